"""The workspace store: the GeoPackage that keeps what the officer makes, and how it is written safely.

:mod:`gis.store.workspace`
    :class:`~gis.store.workspace.Workspace`: planned fields (drafts and adopted), values entered by hand, and
    the audit of every change.
:mod:`gis.store.rows`
    Where the workspace file is, its tables, and the values a row holds (who, when, a field's decision, its
    dataset and CRS).
:mod:`gis.store.schema`
    Making a new workspace file and migrating an older one.
:mod:`gis.store.gpkg`
    One write to a GeoPackage (transaction, audit rows, log lines) and the geometry blob, shared with the
    ledger store (:mod:`gis.jobs.ledger.store`).
:mod:`gis.store.faults`
    Faults of the workspace itself (read-only, full, damaged, busy), found before any work.
:mod:`gis.store.datasets`
    The workspace's datasets (the two built-in ones and the imports) and the active one.
:mod:`gis.store.imports`
    Importing a file into the workspace, atomically.
:mod:`gis.store.import_commit`
    Completing an import: its scratch folder made a dataset folder, and recorded.
:mod:`gis.store.staged`
    The import ``gis inspect`` stages and ``gis import`` of the same unchanged file commits (the check once).
:mod:`gis.store.accounts`
    Accounts, roles, Argon2id passwords and sessions (``gis/accounts.toml``).
"""
