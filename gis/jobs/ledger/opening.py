"""Where each dataset's ledger lives in the workspace, and opening it (seeded from the dataset the first time).

One ledger file per dataset: ``<workspace>/ledger/<name>.gpkg`` (:func:`ledger_path`), named after the
dataset (:func:`ledger_name`); every change is also recorded in the workspace's audit table
(:func:`workspace_file`). The first state is dated by the dataset's own date (:func:`data_date`).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from gis.files.io import Dataset
from gis.jobs.ledger.store import SqliteLandStore

#: The date of the built-in data's first state when its ``dataset.json`` gives none (``data_date``): the
#: demonstration parcels are the land before the 2023 recoveries.
BUILTIN_DATA_DATE = dt.date(2023, 1, 1)
#: The folder of the workspace holding one ledger file per dataset.
LEDGER_DIR = "ledger"


def ledger_path(name: str, root: Path | None = None) -> Path:
    """The ledger file of dataset ``name`` in the workspace folder ``root`` (the workspace's by default)."""
    if root is None:
        from gis.files.uploads import workspace_root

        root = workspace_root()
    return Path(root) / LEDGER_DIR / f"{name}.gpkg"


def ledger_name(folder: Path, root: Path | None = None) -> str:
    """The name of the ledger of the dataset in ``folder``: the dataset's name (``builtin``, an import's folder
    name); for any other folder of layers, its name and a hash of its full path, so that two folders of the
    same name never share a ledger."""
    import hashlib

    from gis.files.uploads import workspace_root
    from gis.store.datasets import describe

    info = describe(folder)
    resolved = Path(folder).resolve()
    if info.builtin or resolved.parent == (Path(root or workspace_root()) / "imports").resolve():
        return info.name
    return f"{resolved.name}-{hashlib.sha1(str(resolved).encode('utf-8')).hexdigest()[:8]}"


def data_date(folder: Path) -> dt.date:
    """The date of a dataset's data: ``data_date`` of its ``dataset.json`` or ``source.json``, else the day
    it was imported, else :data:`BUILTIN_DATA_DATE`."""
    for name in ("dataset.json", "source.json"):
        try:
            meta = json.loads((Path(folder) / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(meta, dict):
            continue
        for key in ("data_date", "imported_at"):
            value = meta.get(key)
            if isinstance(value, str) and len(value) >= 10:
                try:
                    return dt.date.fromisoformat(value[:10])
                except ValueError:
                    pass
    return BUILTIN_DATA_DATE


def workspace_file(root: Path | None = None) -> Path:
    """The workspace file (:mod:`gis.store.workspace`) of the workspace folder ``root`` (the workspace's by default),
    whose audit table records every change of the ledger."""
    from gis.store.rows import workspace_path

    return workspace_path() if root is None else Path(root) / workspace_path().name


def open_store(dataset: Dataset, *, root: Path | None = None, by: str | None = None,
               date: dt.date | None = None) -> SqliteLandStore:
    """The ledger of ``dataset`` in the workspace at ``root``; the first time, seeded from its parcels with an
    ``initial`` entry dated ``date`` (default :func:`data_date`)."""
    name = ledger_name(dataset.folder, root)
    store = SqliteLandStore.open(ledger_path(name, root), dataset=name, audit=workspace_file(root))
    if not store.is_seeded():
        store.seed(dataset.parcels, date=date or data_date(dataset.folder), by=by, source=str(dataset.folder),
                   note="Hiện trạng ban đầu, từ lớp thửa đất của bộ dữ liệu")
    return store


def open_folder_store(folder: Path, *, root: Path | None = None, by: str | None = None) -> SqliteLandStore:
    """The ledger of the dataset in ``folder``, read from the workspace at ``root``; the dataset's layers are
    read only the first time, to seed it (see :func:`open_store`)."""
    from gis.files.io import load_dataset

    name = ledger_name(folder, root)
    store = SqliteLandStore.open(ledger_path(name, root), dataset=name, audit=workspace_file(root))
    return store if store.is_seeded() else open_store(load_dataset(folder), root=root, by=by)
