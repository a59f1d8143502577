"""The shared core: coordinate systems and where coordinates fall.

Modules: :mod:`~gis.core.crs` (VN-2000 TM-3 zones, CRS names, the refusals of a layer with no CRS or in
degrees), :mod:`~gis.core.crs_faults` (what a ``.prj`` says and its known faults),
:mod:`~gis.core.placement` (a CRS guessed from the numbers; the area a layer must lie in).
"""
