"""Reading and checking the officer's files.

:mod:`~gis.files.io` (layers and dataset folders), :mod:`~gis.files.sources` (any file an officer has, read:
:func:`~gis.files.sources.read_source`), :mod:`~gis.files.formats` (the formats and what a reading returns),
:mod:`~gis.files.vector` (the OGR formats), :mod:`~gis.files.tables` and :mod:`~gis.files.workbooks` (coordinate
tables, CSV and Excel), :mod:`~gis.files.placing` (the layer put in VN-2000 TM-3),
:mod:`~gis.files.field_mapping` (columns to the parcel schema), :mod:`~gis.files.codecs` (TCVN3, VNI, cp1258 and UTF-8: decode and encode),
:mod:`~gis.files.detect` (which encoding some text is in, and repair of misread text), :mod:`~gis.files.dbf` (a
shapefile's DBF text; legacy DBF writing), :mod:`~gis.files.schema` (field-name variants),
:mod:`~gis.files.checks` (the check before use), :mod:`~gis.files.overlaps` (overlaps and gaps), :mod:`~gis.files.uploads` (safe uploads),
:mod:`~gis.files.admin_units` (a dataset's administrative unit).
"""
