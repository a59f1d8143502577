"""The datasets of the workspace, and which one is active.

A workspace holds named datasets:

``builtin``
    The built-in demonstration data (``data/shapefiles``), always there and never removable. Its name and
    administrative unit are in ``data/shapefiles/dataset.json``.
``hiep-hoa``
    The merged commune xã Hiệp Hòa (mới), five former units (:mod:`gis.demo.merged`): a second built-in
    demonstration dataset, always listed and never removable, generated into the cache folder
    (:func:`gis.demo.merged.default_folder`) the first time it is used (:func:`needs_generating`,
    :func:`generate`; about a minute, once), never committed.
``<folder name>``
    Each import (``imports/<name>-<stamp>/``, see :mod:`gis.store.imports`), described by its ``source.json``:
    when and by whom it was imported, from which file, how many parcels, and its administrative unit
    (``admin_unit``) when known.

The administrative unit is a dict ``{"current": {...}, "former": {...} | None}``; ``current`` holds
``level``, ``name``, ``province``, ``commune_code``, ``province_code``; ``former`` (for data that predates
1 July 2025) holds ``level``, ``name``, ``district``, ``province``. ``None`` when not known.

One dataset is the *active* one of the workspace, named in ``active_dataset.json`` in the workspace folder
(written atomically: a temporary file, then :func:`os.replace`). Every page, every browser tab and every
command given no folder reads it, so the choice survives a reload, a new tab and a restart. An active file
naming a dataset that is gone or half-made, or that cannot be read, gives the built-in data with a notice
(:attr:`Active.notice`); reading never rewrites the file.

Removing a dataset moves its folder to ``recycle/`` in the workspace (never deleted outright); removing the
active one makes the built-in one active. Every change is recorded in the workspace's audit table
(:meth:`gis.store.workspace.Workspace.record`).
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from gis.core.errors import DataSourceError
from gis.core.text import DEMO_NOTE, Text
from gis.files.io import BUILTIN_DATA_DIR, find_layer_file

#: The name of the built-in dataset.
BUILTIN = "builtin"
#: The name of the merged commune's dataset (:data:`gis.demo.merged.NAME`), built in but generated on first use.
HIEP_HOA = "hiep-hoa"
#: Said while the merged commune is generated on first use (the app's spinner, the commands' stderr).
GENERATING = Text("Đang tạo dữ liệu minh họa xã Hiệp Hòa (mới) lần đầu dùng: khoảng một phút, chỉ một lần. "
                  + DEMO_NOTE.vi,
                  "Generating the demonstration data of Hiệp Hòa commune (new) on first use: about a minute, once "
                  "only. " + DEMO_NOTE.en)
#: The file in the workspace folder that names the active dataset.
ACTIVE_FILE = "active_dataset.json"
#: The folder of the workspace where removed datasets are moved.
RECYCLE_DIR = "recycle"
#: The file beside the built-in data that names it and gives its administrative unit.
BUILTIN_META = "dataset.json"


class DatasetError(DataSourceError):
    """A dataset that cannot be found, chosen or removed."""


@dataclass(frozen=True)
class DatasetInfo:
    """One dataset of the workspace: what the list shows and what titles are built from."""

    name: str
    folder: Path
    builtin: bool
    title_vi: str
    title_en: str
    imported_at: str | None = None
    imported_by: str | None = None
    source_file: str | None = None
    parcel_count: int | None = None
    admin_unit: dict[str, Any] | None = None
    #: Generated on first use (the merged commune): the folder may not hold it yet (:func:`needs_generating`).
    generated: bool = False

    def title(self, lang: str = "vi") -> str:
        """The name shown to the user, in ``lang``."""
        return self.title_vi if lang == "vi" else self.title_en

    def as_dict(self, lang: str = "vi") -> dict[str, Any]:
        """Plain values for JSON (``datasets list --json``)."""
        return {"name": self.name, "title": self.title(lang), "builtin": self.builtin, "folder": str(self.folder),
                "imported_at": self.imported_at, "imported_by": self.imported_by, "source_file": self.source_file,
                "parcel_count": self.parcel_count, "admin_unit": self.admin_unit}


@dataclass(frozen=True)
class Active:
    """The active dataset, and why it is the built-in one when another was chosen (``notice``)."""

    info: DatasetInfo
    notice: DatasetError | None = None


def _root(root: Path | None) -> Path:
    if root is not None:
        return Path(root)
    from gis.files.uploads import workspace_root

    return workspace_root()


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _parcel_count(folder: Path) -> int | None:
    import pyogrio

    path = find_layer_file(folder, "parcels")
    if path is None:
        return None
    try:
        return _feature_count(str(path), path.stat().st_mtime_ns)
    except (OSError, pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError):
        return None  # listed with no count ("—"); opening the dataset says what is wrong with it


@functools.lru_cache(maxsize=64)
def _feature_count(path: str, mtime_ns: int) -> int:
    import pyogrio

    return int(pyogrio.read_info(path)["features"])


def _unit(value: object) -> dict[str, Any] | None:
    return value if isinstance(value, dict) and isinstance(value.get("current"), dict) else None


def builtin(folder: Path = BUILTIN_DATA_DIR) -> DatasetInfo:
    """The built-in dataset, described by ``dataset.json`` beside its layers."""
    meta = _read_json(folder / BUILTIN_META)
    title_vi = str(meta.get("name") or "Dữ liệu minh họa có sẵn")
    return DatasetInfo(name=BUILTIN, folder=folder, builtin=True, title_vi=title_vi,
                       title_en=str(meta.get("name_en") or title_vi), parcel_count=_parcel_count(folder),
                       admin_unit=_unit(meta.get("admin_unit")))


def hiep_hoa() -> DatasetInfo:
    """The merged commune xã Hiệp Hòa (mới): built in, generated on first use into the cache folder (its
    parcel count is ``None`` until then)."""
    from gis.demo import merged as merged_demo
    folder = merged_demo.default_folder()
    meta = merged_demo.META
    count = _parcel_count(folder) if merged_demo.is_current(folder) else None
    return DatasetInfo(name=HIEP_HOA, folder=folder, builtin=True, title_vi=str(meta["name"]),
                       title_en=str(meta["name_en"]), parcel_count=count, admin_unit=_unit(meta["admin_unit"]),
                       generated=True)


def needs_generating(info: DatasetInfo) -> bool:
    """Whether ``info`` is the merged commune and its folder does not hold it yet (or holds an older version)."""
    if not info.generated:
        return False
    from gis.demo import merged as merged_demo
    return not merged_demo.is_current(info.folder)


_GENERATE_LOCK = threading.Lock()


def generate(info: DatasetInfo) -> Path:
    """Generate the merged commune into ``info.folder`` when it is not there yet (:func:`needs_generating`),
    once: two sessions asking at the same time wait for one generation; its map's tiles are built with it
    (:func:`gis.jobs.tiles.prebuild`). Returns the folder."""
    from gis.demo import merged as merged_demo
    from gis.jobs import tiles
    with _GENERATE_LOCK:
        fresh = needs_generating(info)
        folder = merged_demo.ensure(info.folder)
        if fresh:  # its map's tiles too, so that its first map does not wait for them
            tiles.prebuild(folder)
        return folder


def _imported(folder: Path) -> DatasetInfo:
    from gis.store.imports import MARKER

    meta = _read_json(folder / MARKER)
    count = meta.get("parcels_written")
    title = str(meta.get("name") or folder.name)
    return DatasetInfo(name=folder.name, folder=folder, builtin=False, title_vi=title, title_en=title,
                       imported_at=meta.get("imported_at"), imported_by=meta.get("imported_by"),
                       source_file=meta.get("file"),
                       parcel_count=int(count) if isinstance(count, int) else _parcel_count(folder),
                       admin_unit=_unit(meta.get("admin_unit")))


def describe(folder: str | Path) -> DatasetInfo:
    """What is known of the dataset in ``folder`` (the built-in one, an import, or any folder of layers).

    The administrative unit of a :class:`gis.files.io.Dataset` is ``describe(dataset.folder).admin_unit``.
    """
    folder = Path(folder)
    if folder.resolve() == BUILTIN_DATA_DIR.resolve():
        return builtin(folder)
    merged = hiep_hoa()
    if folder.resolve() == merged.folder.resolve():
        return merged
    return _imported(folder)


def list_datasets(root: Path | None = None) -> list[DatasetInfo]:
    """The built-in dataset, the merged commune (:data:`HIEP_HOA`, generated or not yet), then every complete
    import of the workspace at ``root``, newest first."""
    from gis.store.imports import imported_folders

    return [builtin(), hiep_hoa(), *(_imported(folder) for folder in imported_folders(_root(root)))]


def _names(root: Path) -> str:
    return ", ".join(info.name for info in list_datasets(root))


def _half_made(name: str, root: Path) -> bool:
    from gis.store.imports import incomplete_folders

    return any(p.name == name for p in incomplete_folders(root))


def find(name: str, root: Path | None = None) -> DatasetInfo:
    """The dataset called ``name``; :class:`DatasetError` naming the datasets there are when there is none."""
    from gis.store.imports import MARKER

    root = _root(root)
    if name == BUILTIN:
        return builtin()
    if name == HIEP_HOA:
        return hiep_hoa()
    folder = root / "imports" / name
    if (name == Path(name).name and not name.startswith(".") and (folder / "parcels.gpkg").is_file()
            and (folder / MARKER).is_file()):  # a complete import (see gis.store.imports.imported_folders)
        return _imported(folder)
    raise _not_found(name, root)


def _not_found(name: str, root: Path) -> DatasetError:
    if _half_made(name, root):
        return DatasetError(
            f"Bộ dữ liệu «{name}» chưa nhập xong (thiếu parcels.gpkg hoặc source.json, do một lần nhập bị ngắt): "
            f"không dùng được. Hãy nhập lại tệp gốc, và xóa nó bằng lệnh «python -m gis datasets remove {name} "
            "--yes».",
            f"Dataset '{name}' is half-made (no parcels.gpkg or source.json: an import was cut short) and cannot be "
            f"used. Import the original file again, and remove it with 'python -m gis datasets remove {name} --yes'.")
    return DatasetError(
        f"Không có bộ dữ liệu «{name}» trong không gian làm việc «{root}». Các bộ dữ liệu hiện có: {_names(root)} "
        "(xem «python -m gis datasets list»).",
        f"There is no dataset '{name}' in the workspace '{root}'. The datasets there are: {_names(root)} (see "
        "'python -m gis datasets list').")


def active_path(root: Path | None = None) -> Path:
    """The file naming the active dataset of the workspace at ``root``."""
    return _root(root) / ACTIVE_FILE


def active_name(root: Path | None = None) -> str:
    """The name written in the active file (``builtin`` when there is none); not checked against the datasets."""
    value = _read_json(active_path(root)).get("name")
    return value if isinstance(value, str) and value else BUILTIN


def active(root: Path | None = None) -> Active:
    """The active dataset of the workspace at ``root``: the built-in one, with a notice, when the chosen one is
    gone, half-made or cannot be read (see the module)."""
    root = _root(root)
    path = active_path(root)
    if not path.exists():
        return Active(builtin())
    data = _read_json(path)
    name = data.get("name")
    if not isinstance(name, str) or not name:
        return Active(builtin(), DatasetError(
            f"Tệp chọn bộ dữ liệu «{path}» không đọc được: đang dùng dữ liệu minh họa có sẵn. Hãy chọn lại bộ dữ "
            "liệu (thanh bên, hoặc «python -m gis datasets use TÊN»).",
            f"The file naming the dataset in use '{path}' cannot be read: the built-in demonstration data is "
            "used. Choose the dataset again (the sidebar, or 'python -m gis datasets use NAME')."))
    if name == BUILTIN:
        return Active(builtin())
    try:
        return Active(find(name, root))
    except DatasetError:
        pass
    if _half_made(name, root):
        return Active(builtin(), DatasetError(
            f"Bộ dữ liệu đang chọn «{name}» chưa nhập xong (thiếu tệp): đang dùng dữ liệu minh họa có sẵn. Hãy nhập "
            "lại tệp gốc rồi chọn bộ dữ liệu mới.",
            f"The chosen dataset '{name}' is half-made (files missing): the built-in demonstration data is used. "
            "Import the original file again and choose the new dataset."))
    return Active(builtin(), DatasetError(
        f"Bộ dữ liệu đang chọn «{name}» không còn trong không gian làm việc (đã xóa hoặc chuyển đi): đang dùng dữ "
        "liệu minh họa có sẵn. Hãy chọn bộ dữ liệu khác (thanh bên, hoặc «python -m gis datasets use TÊN»).",
        f"The chosen dataset '{name}' is no longer in the workspace (removed or moved): the built-in demonstration "
        "data is used. Choose another dataset (the sidebar, or 'python -m gis datasets use NAME')."))


def resolve_folder(folder: Path | None, root: Path | None = None) -> tuple[Path, DatasetError | None]:
    """For a command: ``folder`` when given, else the active dataset's folder and its notice, if any."""
    if folder is not None:
        return Path(folder), None
    current = active(root)
    return current.info.folder, current.notice


def _write_active(root: Path, name: str, *, by: str) -> None:
    """Write the active file atomically: a temporary file in the same folder, flushed, then renamed over it."""
    from gis.store.faults import workspace_write_error

    path = active_path(root)
    body = json.dumps({"name": name, "changed_at": datetime.now().isoformat(timespec="seconds"), "changed_by": by},
                      ensure_ascii=False, indent=2)
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{ACTIVE_FILE}.", suffix=".tmp", dir=root)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(body)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:  # any failure, Ctrl+C included: no half-written file left; the error goes on
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise workspace_write_error(path, exc) from exc


def _record(root: Path, action: str, obj: str, *, by: str) -> None:
    from gis.store.rows import workspace_path
    from gis.store.workspace import Workspace

    Workspace.open(root / workspace_path().name).record(action, obj, by=by)


def use(name: str, *, root: Path | None = None, by: str | None = None) -> DatasetInfo:
    """Make ``name`` the active dataset of the workspace at ``root``, as chosen ``by`` a user (an account name;
    ``None`` for the user of this machine), and record it in the audit; returns the dataset (the merged
    commune is not generated here: see :func:`needs_generating`)."""
    from gis.store.rows import acting_user

    root = _root(root)
    info = find(name, root)
    who = acting_user(by)
    before = active_name(root) if active_path(root).exists() else None
    _write_active(root, info.name, by=who)
    try:
        _record(root, "use_dataset", info.name if info.builtin else f"imports/{info.name}", by=who)
    except BaseException:  # no switch without its record
        if before is None:
            active_path(root).unlink(missing_ok=True)
        else:
            _write_active(root, before, by=who)
        raise
    return info


def removable(name: str, root: Path | None = None) -> Path:
    """The folder that :func:`remove` would move for ``name`` (a complete or half-made import);
    :class:`DatasetError` for the built-in dataset or a name that is not there."""
    from gis.store.imports import imported_folders, incomplete_folders

    root = _root(root)
    if name == BUILTIN:
        raise DatasetError(
            "Không xóa được dữ liệu minh họa có sẵn (builtin): nó luôn có trong công cụ. Chỉ xóa được các bộ dữ "
            "liệu đã nhập.",
            "The built-in demonstration data (builtin) cannot be removed: it is always part of the tool. Only "
            "imported datasets can be removed.")
    if name == HIEP_HOA:
        raise DatasetError(
            "Không xóa được dữ liệu minh họa xã Hiệp Hòa (mới) (hiep-hoa): nó luôn có trong công cụ (tạo lại khi "
            "dùng). Chỉ xóa được các bộ dữ liệu đã nhập.",
            "The demonstration data of Hiệp Hòa commune (new) (hiep-hoa) cannot be removed: it is always part of "
            "the tool (generated again when used). Only imported datasets can be removed.")
    folder = next((p for p in (*imported_folders(root), *incomplete_folders(root)) if p.name == name), None)
    if folder is None:
        raise _not_found(name, root)
    return folder


def remove(name: str, *, root: Path | None = None, by: str | None = None) -> Path:
    """Move dataset ``name`` (a complete or half-made import) to the workspace's ``recycle/`` folder, as done
    ``by`` a user, and record it; the built-in one is refused. Removing the active one makes the built-in
    one active. Returns where the files are now."""
    from gis.store.faults import workspace_write_error
    from gis.store.rows import acting_user

    root = _root(root)
    folder = removable(name, root)
    who = acting_user(by)
    recycle = root / RECYCLE_DIR
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        recycle.mkdir(parents=True, exist_ok=True)
        target = recycle / f"{name}-{stamp}"
        n = 2
        while target.exists():
            target = recycle / f"{name}-{stamp}-{n}"
            n += 1
        os.rename(folder, target)
    except OSError as exc:
        raise workspace_write_error(recycle, exc) from exc
    was_active = active_path(root).exists() and active_name(root) == name
    try:
        _record(root, "remove_dataset", f"imports/{name} -> {RECYCLE_DIR}/{target.name}", by=who)
    except BaseException:  # no removal without its record: put the folder back
        os.rename(target, folder)
        raise
    if was_active:
        _write_active(root, BUILTIN, by=who)
        _record(root, "use_dataset", BUILTIN, by=who)
    return target
