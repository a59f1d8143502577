"""The land ledger: parcels over time and every dated change to them (sổ theo dõi biến động đất đai).

:mod:`gis.jobs.ledger.model`
    What the ledger is made of (kinds of change, decisions, entries, clearance steps) and the narrow
    :class:`~gis.jobs.ledger.model.LandStore` protocol the jobs and pages use.
:mod:`gis.jobs.ledger.store`
    :class:`~gis.jobs.ledger.store.SqliteLandStore`: parcel versions with their validity intervals and the
    append-only ledger of changes in one GeoPackage per dataset (a server database can stand behind the same
    protocol later); its tables are made in :mod:`gis.jobs.ledger.schema`.
:mod:`gis.jobs.ledger.opening`
    Where each dataset's ledger lives in the workspace, and opening it (seeded the first time).
:mod:`gis.jobs.ledger.changes`
    The jobs: split, merge, change of land use or land user, corrections, recovery and reversal, each
    checked (:mod:`gis.jobs.ledger.checks`: overlap, gap, minimum size) before it is written; references and new
    parcels in :mod:`gis.jobs.ledger.parcels`.
:mod:`gis.jobs.ledger.reports`
    What the ledger tells: the state of any date, a parcel's history, and the changes between two dates.
:mod:`gis.jobs.ledger.asof`
    The dataset of a date, for the pages and the commands.
:mod:`gis.jobs.ledger.clearance`
    Site clearance (giải phóng mặt bằng) of each recovery project, parcel by parcel: the stages, recording a
    step, the status; handing over enters the recovery. The officer's spreadsheet loaded row by row and the
    weekly report: :mod:`gis.jobs.ledger.clearance_sheets`.
"""
