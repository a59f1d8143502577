"""Files the user brings: kept in the workspace, checked before they are opened, never overwriting anything.

Every file written here goes under the workspace folder (the folder of :func:`gis.workspace.workspace_path`):

``uploads/<stamp>/``
    An uploaded file, as it came (one new folder per upload).
``imports/<name>-<stamp>/``
    A dataset made from the user's data by :func:`gis.imports.import_source` (one new folder per import,
    never replacing one that exists).
``tmp/<random>/``
    Archives unpacked for reading, removed when the reading is done.

Archives are checked before anything is unpacked: an entry whose name climbs out of its folder (``../``,
an absolute path, a drive letter), a link, too many entries, too much unpacked data, or a compression
ratio no real map has (a zip bomb) is refused with a message saying what to do.
"""

from __future__ import annotations

import re
import shutil
import stat
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from gis.errors import DataSourceError
from gis.workspace import workspace_path

#: The largest upload accepted (bytes): as Streamlit's default limit.
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
#: The most an archive may unpack to (bytes).
MAX_UNPACKED_BYTES = 2 * 1024 * 1024 * 1024
#: The most entries an archive may hold.
MAX_ENTRIES = 10_000
#: The highest compression ratio of an entry (unpacked / packed) that real data shows; bombs are far above.
MAX_RATIO = 200.0
#: Entries smaller than this are not held to the ratio (tiny text files compress well).
RATIO_FLOOR_BYTES = 1024 * 1024


def workspace_root() -> Path:
    """The workspace folder: where the workspace GeoPackage lives, and everything the tool writes."""
    return workspace_path().parent


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def check_size(size: int, *, name: str, limit: int = MAX_UPLOAD_BYTES) -> None:
    """Refuse a file larger than ``limit`` bytes (or an empty one) with a message saying what to do."""
    if size <= 0:
        raise DataSourceError(
            f"Tệp «{name}» rỗng (0 byte). Hãy chọn lại đúng tệp dữ liệu.",
            f"File '{name}' is empty (0 bytes). Pick the data file again.",
        )
    if size > limit:
        raise DataSourceError(
            f"Tệp «{name}» nặng {_mb(size)}, quá giới hạn {_mb(limit)}. Hãy chỉ xuất lớp thửa đất của xã, "
            "hoặc nén thành tệp .zip.",
            f"File '{name}' is {_mb(size)}, over the {_mb(limit)} limit. Export only the commune's parcel layer, "
            "or zip it.",
        )


_UNSAFE = re.compile(r"[^\w.\- ()+]", re.UNICODE)


def safe_name(name: str) -> str:
    """A file name with no folder part and nothing a file system could take as a path or a device."""
    base = PurePosixPath(name.replace("\\", "/")).name
    base = unicodedata.normalize("NFC", base)
    base = _UNSAFE.sub("_", base).strip(" .")
    return base[:120] or "data"


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def new_folder(parent: Path, name: str) -> Path:
    """A new, empty folder ``parent/name`` (``name-2``, ``name-3`` ... if taken): never an existing one."""
    parent.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        candidate = parent / (name if n == 1 else f"{name}-{n}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise DataSourceError(
        f"Không tạo được thư mục mới trong «{parent}».", f"Cannot create a new folder in '{parent}'.",
    )


def _inside(path: Path, root: Path) -> Path:
    resolved = path.resolve()
    if not resolved.is_relative_to(root.resolve()):
        raise DataSourceError(
            f"Đường dẫn «{path}» nằm ngoài thư mục làm việc «{root}»: không ghi.",
            f"Path '{path}' is outside the workspace folder '{root}': nothing written.",
        )
    return resolved


def save_upload(name: str, data: bytes, *, root: Path | None = None, limit: int = MAX_UPLOAD_BYTES) -> Path:
    """Keep an uploaded file in a new folder ``uploads/<stamp>/`` of the workspace; returns its path.

    The name is reduced to a plain file name, the size checked, and the file created exclusively, so
    nothing the user already had is overwritten.
    """
    check_size(len(data), name=name, limit=limit)
    root = root or workspace_root()
    folder = new_folder(root / "uploads", _stamp())
    target = _inside(folder / safe_name(name), root)
    with open(target, "xb") as out:
        out.write(data)
    return target


@contextmanager
def scratch_dir(root: Path | None = None) -> Iterator[Path]:
    """A new folder under the workspace's ``tmp/``, removed afterwards."""
    root = root or workspace_root()
    parent = root / "tmp"
    parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class Entry:
    """A file in an archive that passed the checks."""

    name: str
    size: int


def _refuse(archive: str, vi: str, en: str) -> DataSourceError:
    return DataSourceError(
        f"Tệp nén «{archive}» bị từ chối: {vi}. Hãy giải nén trên máy, kiểm tra nội dung rồi nén lại chỉ các "
        "tệp dữ liệu (.shp, .shx, .dbf, .prj, .cpg ...).",
        f"Archive '{archive}' refused: {en}. Unpack it on your computer, check what is inside, and zip only the "
        "data files again (.shp, .shx, .dbf, .prj, .cpg ...).",
    )


def _bad_name(name: str) -> bool:
    if "\x00" in name:
        return True
    text = name.replace("\\", "/")
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text):
        return True
    return any(part == ".." for part in text.split("/"))


def check_zip(path: Path, *, max_unpacked: int = MAX_UNPACKED_BYTES, max_entries: int = MAX_ENTRIES,
              max_ratio: float = MAX_RATIO) -> list[Entry]:
    """The files of a zip archive, after refusing one that is broken, climbs out of its folder or is a bomb.

    Nothing is unpacked. Raises :class:`DataSourceError` naming the first problem and what to do.
    """
    name = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataSourceError(
            f"Tệp «{name}» không phải tệp nén .zip hợp lệ ({exc}). Hãy nén lại dữ liệu rồi tải lên.",
            f"'{name}' is not a valid .zip archive ({exc}). Zip the data again and upload it.",
        ) from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > max_entries:
            raise _refuse(name, f"có {len(infos)} tệp, quá {max_entries}", f"it holds {len(infos)} files, over {max_entries}")
        total = 0
        entries: list[Entry] = []
        for info in infos:
            if _bad_name(info.filename):
                raise _refuse(name, f"mục «{info.filename}» trỏ ra ngoài thư mục giải nén",
                              f"entry '{info.filename}' points outside the folder it unpacks to")
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise _refuse(name, f"mục «{info.filename}» là liên kết (symlink)", f"entry '{info.filename}' is a link")
            if info.flag_bits & 0x1:
                raise _refuse(name, f"mục «{info.filename}» có mật khẩu", f"entry '{info.filename}' is encrypted")
            if info.is_dir():
                continue
            total += info.file_size
            if total > max_unpacked:
                raise _refuse(name, f"giải nén ra hơn {_mb(max_unpacked)}", f"it unpacks to over {_mb(max_unpacked)}")
            if info.file_size > RATIO_FLOOR_BYTES and info.file_size > max_ratio * max(info.compress_size, 1):
                raise _refuse(
                    name, f"mục «{info.filename}» nén {info.file_size / max(info.compress_size, 1):.0f} lần (dấu hiệu "
                    "bom nén)", f"entry '{info.filename}' is compressed {info.file_size / max(info.compress_size, 1):.0f} "
                    "times (a zip bomb)")
            entries.append(Entry(info.filename, info.file_size))
    return entries


def safe_extract(path: Path, dest: Path, *, max_unpacked: int = MAX_UNPACKED_BYTES) -> list[Path]:
    """Unpack a zip archive into the empty folder ``dest`` after :func:`check_zip`; returns the files.

    Bytes are counted while unpacking too (a header can lie about sizes); nested archives stay packed.
    """
    entries = check_zip(path, max_unpacked=max_unpacked)
    dest = dest.resolve()
    written: list[Path] = []
    total = 0
    with zipfile.ZipFile(path) as archive:
        for entry in entries:
            target = (dest / entry.name).resolve()
            if not target.is_relative_to(dest):
                raise _refuse(path.name, f"mục «{entry.name}» trỏ ra ngoài thư mục giải nén",
                              f"entry '{entry.name}' points outside the folder it unpacks to")
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(entry.name) as src, open(target, "xb") as out:
                while chunk := src.read(1 << 20):
                    total += len(chunk)
                    if total > max_unpacked:
                        out.close()
                        raise _refuse(path.name, f"giải nén ra hơn {_mb(max_unpacked)}",
                                      f"it unpacks to over {_mb(max_unpacked)}")
                    out.write(chunk)
            written.append(target)
    return written


def remove_folder(folder: Path, *, root: Path | None = None) -> None:
    """Remove a folder the tool made under the workspace (refuses anything outside it)."""
    root = root or workspace_root()
    resolved = _inside(folder, root)
    if resolved == root.resolve():
        raise DataSourceError("Không xóa thư mục làm việc.", "The workspace folder itself is not removed.")
    shutil.rmtree(resolved)


def folder_size(folder: Path) -> int:
    """Total size in bytes of the files under ``folder``."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


__all__ = [
    "MAX_UPLOAD_BYTES", "Entry", "check_size", "check_zip", "folder_size", "new_folder", "remove_folder",
    "safe_extract", "safe_name", "save_upload", "scratch_dir", "workspace_root",
]
