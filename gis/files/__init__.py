"""Reading and checking the officer's files: text encodings, their detection, and DBF tables.

Modules: :mod:`~gis.files.codecs` (TCVN3, VNI, cp1258 and UTF-8: decode and encode),
:mod:`~gis.files.detect` (which encoding some text is in, and repair of misread text),
:mod:`~gis.files.dbf` (a shapefile's DBF text from its raw bytes; legacy DBF and shapefile writing).
"""
