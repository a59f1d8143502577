"""An import staged by ``gis inspect`` and committed by ``gis import`` of the same, unchanged file: the check
runs once per import, not twice.

``gis inspect FILE`` reads and checks the file; when the layer could be imported as it is (placed, its
required fields mapped, at least one parcel), it also writes what ``gis import`` would write
(:func:`gis.store.imports.write_files`: ``parcels.gpkg``, ``problems.gpkg``, ``problems.csv``, read back) into
the workspace's own folder ``.staged-imports/<key>/``, with ``staged.json`` (written last) holding what the
import adds and prints. ``gis import FILE`` with the same choices computes the same key and, when that
folder is there, moves it into ``imports/`` as its scratch folder and completes it like any import
(:func:`gis.store.import_commit.commit_folder`: ``source.json``, the rename into place, the audit record).

The key (:func:`source_key`) is a digest of the bytes of every file of the source (the file and its
siblings of the same name: a shapefile's .shp, .shx, .dbf, .prj, .cpg ...), its full path, every choice
that changes the result (layer, encoding, province, CRS, --fix-crs, field mapping, values set, feature
limits in force) and the tool's own code and the versions of the libraries that read and check. Anything
different, or a staged folder missing or incomplete, and the import does all the work itself.

A staged import is never listed as a dataset (:func:`gis.store.imports.imported_folders` reads only
``imports/``); only the last one is kept (each new one removes the others), and the import that commits it
moves it away. Staging is an optimisation: when it cannot be written (a read-only or full workspace), the
inspection goes on and the import does the work.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gis.core.errors import GisError
from gis.files.uploads import safe_name, workspace_root

if TYPE_CHECKING:
    from gis.store.imports import Prepared

#: The folder under the workspace root holding the staged import.
STAGE_DIR = ".staged-imports"
#: The file written last into a staged folder: its key and what the import adds and prints.
STAGED = "staged.json"
#: Scratch folders of a staging still running (or killed) under :data:`STAGE_DIR`; removed after an hour.
_PARTIAL = ".partial-"
_STALE_S = 3600.0
_FILES = ("parcels.gpkg", "problems.gpkg", "problems.csv")
_PACKAGES = ("shapely", "pyogrio", "pyproj", "geopandas", "pandas", "numpy", "pyarrow")


@dataclass(frozen=True)
class StagedImport:
    """An import committed from its staged folder: where it went and what ``gis import`` prints of it."""

    folder: Path
    count: int
    encoding_name: str
    crs: str
    summary: dict[str, list[tuple[str, int]]]
    notes: list[tuple[str, str]]


@lru_cache(maxsize=1)
def code_version() -> str:
    """A digest of the tool's own code and settings (every .py, .toml and .csv under ``gis/``) and of the
    versions of the libraries that read and check: a staged import is reused only by the same code."""
    from importlib.metadata import PackageNotFoundError, version

    root = Path(__file__).resolve().parent.parent
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(p for pattern in ("*.py", "*.toml", "*.csv") for p in root.rglob(pattern) if p.is_file()):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    for package in _PACKAGES:
        try:
            digest.update(f"{package}=={version(package)}".encode())
        except PackageNotFoundError:
            digest.update(f"{package} absent".encode())
    return digest.hexdigest()


def source_parts(path: Path) -> list[Path]:
    """The files a source is read from: ``path`` and its siblings of the same name (any extension, any
    case), sorted by name; empty when ``path`` is not a file."""
    path = Path(path).resolve()
    if not path.is_file():
        return []
    stem = path.stem.lower()
    return sorted((p for p in path.parent.iterdir() if p.stem.lower() == stem and p.is_file()), key=lambda p: p.name)


def source_key(path: str | Path, choices: Mapping[str, Any]) -> str | None:
    """The key of a staged import of ``path`` read with ``choices``: a digest of the bytes of every part of
    the source (:func:`source_parts`), its full path, the choices (JSON, keys sorted) and
    :func:`code_version`; None when the source is not a file, cannot be read, or its parts together hold more
    than twice the command line's ``file_mb`` (not worth a digest: nothing is staged then)."""
    from gis.core.limits import limits

    parts = source_parts(Path(path))
    try:
        if not parts or sum(part.stat().st_size for part in parts) > 2 * limits().file_bytes:
            return None
    except OSError:
        return None
    digest = hashlib.sha256()  # the fastest strong digest here (about 0.7 GB/s, blake2b 0.45)
    digest.update(code_version().encode())
    digest.update(str(Path(path).resolve()).encode())
    digest.update(json.dumps(choices, sort_keys=True, ensure_ascii=False, default=str).encode())
    try:
        for part in parts:
            digest.update(f"\0{part.name}\0{part.stat().st_size}\0".encode())
            with part.open("rb") as handle:
                hashlib.file_digest(handle, lambda: digest)  # type: ignore[arg-type]  # fed into the one digest
    except OSError:
        return None
    return digest.hexdigest()


def _remove_others(base: Path, keep: Path) -> None:
    """Remove every staged import under ``base`` but ``keep``, and scratch folders over an hour old."""
    now = time.time()
    for entry in base.iterdir():
        if entry == keep or not entry.is_dir():
            continue
        if entry.name.startswith(_PARTIAL):
            try:
                if now - entry.stat().st_mtime < _STALE_S:
                    continue  # another inspection may be writing it
            except OSError:
                continue
        shutil.rmtree(entry, ignore_errors=True)


def stage(prepared: Prepared, key: str, *, root: Path | None = None) -> Path | None:
    """Write ``prepared`` as the staged import ``key`` under the workspace ``root`` (the workspace's folder
    when None) and remove any other; the folder, or None when the layer would not import as it is (a required
    field missing, no parcel) or the folder could not be written (nothing is left then)."""
    import pyogrio

    from gis.store.faults import check_free_space
    from gis.store.imports import _provenance, write_files

    if prepared.fields.missing or prepared.report.repaired.empty:
        return None
    base = (root or workspace_root()) / STAGE_DIR
    try:
        base.mkdir(parents=True, exist_ok=True)
        check_free_space(base)
        scratch = Path(tempfile.mkdtemp(prefix=_PARTIAL, dir=base))
    except (OSError, GisError):  # a read-only or full workspace: the import will do the work
        return None
    target = base / key
    source = prepared.source
    meta = {
        "key": key,
        "stem": source.path.stem,
        "file_name": source.path.name,
        "count": len(prepared.report.repaired),
        "encoding_name": source.encoding_name,
        "crs": prepared.frame.crs.to_string(),
        "summary": {lang: prepared.report.summary(lang) for lang in ("vi", "en")},
        "notes": [list(note) for note in prepared.notes],
        "provenance": _provenance(prepared, source.path, by=""),
    }
    try:
        write_files(prepared, scratch)
        meta["sizes"] = {name: (scratch / name).stat().st_size for name in _FILES}
        (scratch / STAGED).write_text(json.dumps(meta, ensure_ascii=False, default=str), encoding="utf-8")
        _remove_others(base, keep=scratch)
        os.rename(scratch, target)
    except (OSError, GisError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError):
        shutil.rmtree(scratch, ignore_errors=True)  # the import will do the work
        return None
    except BaseException:  # any other failure, Ctrl+C included: nothing left behind, the error goes on
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    _open_workspace(root or workspace_root())
    return target


def _open_workspace(root: Path) -> None:
    """Make the workspace file that will record the import, when it is not there yet (what the first import
    into a new workspace does; here geopandas is loaded already, and the commit then needs none of it). A
    workspace that cannot be opened is left to the import, which says why."""
    import pyogrio

    from gis.store.rows import workspace_path
    from gis.store.workspace import Workspace

    try:
        Workspace.open(root / workspace_path().name)
    except (OSError, GisError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError):
        pass


def _claim(staged: Path, parent: Path, key: str) -> tuple[Path, dict[str, Any]] | None:
    """Move the staged folder into ``parent`` (``imports/``) as a scratch folder and read its ``staged.json``;
    None (nothing left) when it is not there, another import took it, or it is not complete."""
    from gis.store.import_commit import SCRATCH_PREFIX

    scratch = parent / f"{SCRATCH_PREFIX}staged-{key[:16]}-{os.getpid()}"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        os.rename(staged, scratch)
    except OSError:
        return None
    try:
        meta = json.loads((scratch / STAGED).read_text(encoding="utf-8"))
        complete = meta.get("key") == key and all(
            (scratch / name).stat().st_size == size for name, size in meta["sizes"].items())
        (scratch / STAGED).unlink()
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        complete = False
    if not complete:
        shutil.rmtree(scratch, ignore_errors=True)
        return None
    return scratch, meta


def commit(key: str, *, name: str | None = None, root: Path | None = None, by: str | None = None) -> StagedImport | None:
    """Complete the staged import ``key`` as a new dataset folder under ``root/imports``, imported ``by`` a
    user (an account name; None for the user of this machine), logged like any import; None when there is
    no complete staged import of that key (the caller then does all the work)."""
    from datetime import datetime

    from gis.core import logs
    from gis.store.faults import check_free_space
    from gis.store.import_commit import commit_folder
    from gis.store.rows import acting_user

    root = root or workspace_root()
    staged = root / STAGE_DIR / key
    if not (staged / STAGED).is_file():
        return None
    check_free_space(root)  # as an import checks before its work: the staged import is kept for the next try
    claimed = _claim(staged, root / "imports", key)
    if claimed is None:
        return None
    scratch, meta = claimed
    who = acting_user(by)
    provenance = dict(meta["provenance"], imported_at=datetime.now().isoformat(timespec="seconds"), imported_by=who)
    with logs.logged("import", root=root, user=who, file=meta["file_name"]) as line:
        folder = commit_folder(scratch, stem=safe_name(name or meta["stem"]).replace(" ", "_"), root=root,
                               provenance=provenance, file_name=meta["file_name"], count=int(meta["count"]), who=who)
        line["dataset"] = f"imports/{folder.name}"
        line["detail"] = f"{meta['count']} parcels"
    return StagedImport(folder=folder, count=int(meta["count"]), encoding_name=str(meta["encoding_name"]),
                        crs=str(meta["crs"]),
                        summary={lang: [(str(a), int(b)) for a, b in rows] for lang, rows in meta["summary"].items()},
                        notes=[(str(vi), str(en)) for vi, en in meta["notes"]])
