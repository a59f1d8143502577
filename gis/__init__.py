"""The domain of the land and project mapping tool: no streamlit, no folium.

Sub-packages, from the bottom up (each imports only the ones before it; ``tests/test_architecture.py``):

:mod:`gis.core`
    The shared core: text (one Vietnamese/English type and the formatters), errors, paths, the log, VN-2000
    coordinate systems, provinces, areas, land-use codes, limits, inert spreadsheet cells.
:mod:`gis.files`
    Reading and checking the officer's files: layers and dataset folders, any format and legacy encoding, field
    names, the check before use, safe uploads, a dataset's administrative unit.
:mod:`gis.demo`
    The invented demonstration data: the built-in commune and the merged xã Hiệp Hòa.
:mod:`gis.store`
    The workspace store: the workspace GeoPackage, the datasets, imports, accounts.
:mod:`gis.jobs`
    The officer's jobs: land recovery, concentrated fields, the plan's targets, summaries, search, the parcel
    card, the map's tiles and the land ledger.
:mod:`gis.printing`
    Print-ready maps and the council report.
:mod:`gis.commands`
    The command line (``python -m gis``), on top of everything.
"""
