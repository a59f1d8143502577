"""The shared core, importing no other part of :mod:`gis`.

:mod:`~gis.core.text` (one Vietnamese/English text type, formatters), :mod:`~gis.core.errors`,
:mod:`~gis.core.i18n` (shared words), :mod:`~gis.core.paths` (shipped files, where the tool writes),
:mod:`~gis.core.logs` (the rotating log), :mod:`~gis.core.crs`, :mod:`~gis.core.crs_faults` and
:mod:`~gis.core.placement` (VN-2000 TM-3 zones, ``.prj`` faults, where coordinates fall),
:mod:`~gis.core.provinces`, :mod:`~gis.core.area`, :mod:`~gis.core.landuse` (land-use codes, names, colours),
:mod:`~gis.core.limits` (the bounds of every piece of work),
:mod:`~gis.core.area_tolerance` (the cadastral area tolerance), :mod:`~gis.core.recovery_settings` (the
recovery's settings file), :mod:`~gis.core.spreadsheet` (inert cells).
"""
