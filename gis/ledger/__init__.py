"""The land ledger: parcels over time and every dated change to them (sổ theo dõi biến động đất đai).

:mod:`gis.ledger.store`
    The store: parcel versions with their validity intervals and the append-only ledger of changes, behind
    the narrow :class:`~gis.ledger.model.LandStore` protocol (one SQLite/GeoPackage implementation here; a
    server database can stand behind the same protocol later).
:mod:`gis.ledger.changes`
    The jobs: split, merge, change of land use or land user, corrections, recovery and reversal, each
    checked (overlap, gap, minimum size) before it is written; the state of any date, a parcel's history,
    and the changes between two dates.
:mod:`gis.ledger.clearance`
    Site clearance (giải phóng mặt bằng) of each recovery project, parcel by parcel: the stages, the officer's
    spreadsheet loaded row by row, the status and the weekly report; handing over enters the recovery.
"""
