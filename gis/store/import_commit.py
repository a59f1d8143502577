"""Completing an import: a scratch folder under ``imports/`` whose files are written and read back becomes a
dataset folder (its ``source.json`` written last, an atomic rename, the audit record).

Kept apart from :mod:`gis.store.imports` so that committing an import staged by ``gis inspect``
(:mod:`gis.store.staged`) needs none of the reading and checking (nor geopandas).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from gis.core.errors import DataSourceError
from gis.store.faults import workspace_write_error

#: The scratch folders an import writes into, under ``imports/``, before the rename that completes it.
SCRATCH_PREFIX = ".partial-"
#: The file written last into a dataset folder: a folder without it is a half-made import.
MARKER = "source.json"


def _final_name(parent: Path, name: str) -> Path:
    for n in range(1, 1000):
        candidate = parent / (name if n == 1 else f"{name}-{n}")
        if not candidate.exists():
            return candidate
    raise DataSourceError(f"Không tạo được thư mục mới trong «{parent}».", f"Cannot create a new folder in '{parent}'.")


def commit_folder(scratch: Path, *, stem: str, root: Path, provenance: Mapping[str, object], file_name: str,
                  count: int, who: str) -> Path:
    """Make the complete scratch folder ``scratch`` (under ``root/imports``, its files written and read back)
    a dataset: its ``source.json`` written (``provenance``) last, the folder renamed into place, the import
    recorded ``by`` the user ``who`` in the workspace's audit table; the folder made.

    On any failure the scratch folder, or the folder it became, is removed and the error goes on.
    """
    from gis.store.rows import workspace_path
    from gis.store.workspace import Workspace

    parent = scratch.parent
    try:
        (scratch / MARKER).write_text(  # last: the folder is complete once this is there
            json.dumps(provenance, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        folder = _final_name(parent, f"{stem}-{datetime.now().strftime('%Y%m%d-%H%M%S')}")
        os.rename(scratch, folder)
    except OSError as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        raise workspace_write_error(parent, exc) from exc
    except BaseException:  # any failure, Ctrl+C included: the scratch folder removed, the error goes on
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    try:  # no import without its record in the audit table
        Workspace.open(root / workspace_path().name).record(
            "import", f"imports/{folder.name} ({file_name}, {count} parcels)", by=who)
    except BaseException:  # any failure, Ctrl+C included: the folder removed, the error goes on to the caller
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder
