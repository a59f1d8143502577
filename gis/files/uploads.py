"""Files the user brings: kept in the workspace, checked before they are opened, never overwriting anything.

Every file written here goes under the workspace folder (the folder of :func:`gis.core.paths.workspace_file`):

``uploads/<stamp>/``
    An uploaded file, as it came (one new folder per upload).
``imports/<name>-<stamp>/``
    A dataset made from the user's data by :func:`gis.store.imports.import_source` (one new folder per import,
    never replacing one that exists).
``tmp/<random>/``
    Archives unpacked for reading, removed when the reading is done.

Archives are checked before anything is unpacked: an entry whose name climbs out of its folder (``../``,
an absolute path, a drive letter), is too long or clashes with another (``Parcels.shp``, ``parcels.shp``),
a link, an encrypted entry, a compression method Python cannot read (Deflate64), too many entries, too much
unpacked data, a coordinate table over its own limit, or a compression ratio no real map has (a zip bomb)
is refused with a message saying what to do. The limits come from ``gis/limits.toml`` (:mod:`gis.core.limits`);
the constants below are derived from it.
"""

from __future__ import annotations

import re
import shutil
import stat
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from gis.core.errors import DataSourceError
from gis.core.limits import limits, mb, over_limit
from gis.core.paths import workspace_file

_LIMITS = limits()
#: The largest upload accepted (bytes): ``upload_mb`` of ``gis/limits.toml`` (= Streamlit's maxUploadSize).
MAX_UPLOAD_BYTES = _LIMITS.upload_bytes
#: The most an archive may unpack to (bytes): ``unpacked_mb``.
MAX_UNPACKED_BYTES = _LIMITS.unpacked_bytes
#: The most entries an archive may hold: ``entries``.
MAX_ENTRIES = _LIMITS.entries
#: The highest compression ratio of an entry (unpacked / packed) that real data shows; bombs are far above.
MAX_RATIO = float(_LIMITS.ratio)
#: Entries smaller than this are not held to the ratio (tiny text files compress well): ``ratio_floor_mb``.
RATIO_FLOOR_BYTES = _LIMITS.ratio_floor_bytes
#: Entries read as coordinate tables, held to ``table_mb`` unpacked.
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
#: Compression methods Python reads: stored, deflate, bzip2, lzma.
_READABLE_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_DEFLATE64 = 9


def workspace_root() -> Path:
    """The workspace folder: where the workspace GeoPackage lives, and everything the tool writes."""
    return workspace_file().parent


def _mb(n: int) -> str:
    return mb(n)


def check_size(size: int, *, name: str, limit: int = MAX_UPLOAD_BYTES, key: str = "upload_mb") -> None:
    """Refuse a file larger than ``limit`` bytes (or an empty one) with a message saying what to do.

    ``key`` names the limit of ``gis/limits.toml`` that ``limit`` comes from.
    """
    if size <= 0:
        raise DataSourceError(
            f"Tệp «{name}» rỗng (0 byte). Hãy chọn lại đúng tệp dữ liệu.",
            f"File '{name}' is empty (0 bytes). Pick the data file again.",
        )
    if size > limit:
        raise DataSourceError(
            f"Tệp «{name}» nặng {_mb(size)}, quá giới hạn {_mb(limit)} («{key}» trong gis/limits.toml). Hãy chỉ "
            "xuất lớp thửa đất của xã, hoặc nén thành tệp .zip.",
            f"File '{name}' is {_mb(size)}, over the {_mb(limit)} limit ('{key}' in gis/limits.toml). Export "
            "only the commune's parcel layer, or zip it.",
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


#: The files of a shapefile, by suffix; :data:`REQUIRED_PARTS` must all be there to read it.
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qpj", ".sbn", ".sbx", ".qix", ".shp.xml")
#: Without these a shapefile cannot be read (the ``.prj`` can be replaced by choosing the province).
REQUIRED_PARTS = (".shp", ".shx", ".dbf")


def _part_suffix(name: str) -> str | None:
    lower = name.lower()
    return next((s for s in sorted(SHAPEFILE_PARTS, key=len, reverse=True) if lower.endswith(s)), None)


def save_uploads(files: list[tuple[str, bytes]], *, root: Path | None = None,
                 limit: int = MAX_UPLOAD_BYTES) -> list[Path]:
    """Keep several uploaded files together in one new folder ``uploads/<stamp>/``; returns what can be read.

    Loose parts of a shapefile (``.shp``, ``.shx``, ``.dbf``, ``.prj``, ``.cpg`` ...) are grouped by their
    name without suffix (case ignored) and saved under one name, so they are read as one layer; each group
    gives its ``.shp`` path. Every other file (a ``.zip``, a GeoPackage ...) gives its own path.

    Everything is checked before anything is written: a group missing a required part (:data:`REQUIRED_PARTS`),
    two files of the same name, an empty file, or files together larger than ``limit`` (``upload_mb`` of
    ``gis/limits.toml``) raise :class:`DataSourceError` naming the files and what to do.
    """
    if not files:
        raise DataSourceError("Chưa có tệp nào được tải lên.", "No file was uploaded.")
    seen: set[str] = set()
    groups: dict[str, dict[str, tuple[str, bytes]]] = {}
    others: list[tuple[str, bytes]] = []
    for name, data in files:
        base = safe_name(name)
        if base.lower() in seen:
            raise DataSourceError(
                f"Tệp «{base}» được chọn hai lần. Hãy chọn mỗi tệp một lần.",
                f"File '{base}' was chosen twice. Choose each file once.")
        seen.add(base.lower())
        check_size(len(data), name=base, limit=limit)
        suffix = _part_suffix(base)
        if suffix is None:
            others.append((base, data))
        else:
            groups.setdefault(base[: -len(suffix)].lower(), {})[suffix] = (base, data)
    problems_vi, problems_en = [], []
    for parts in groups.values():
        missing = [s for s in REQUIRED_PARTS if s not in parts]
        if missing:
            some = next(iter(parts.values()))[0]
            stem = some[: -len(_part_suffix(some) or "")]
            problems_vi.append(f"«{stem}» thiếu {', '.join(missing)}")
            problems_en.append(f"'{stem}' lacks {', '.join(missing)}")
    if problems_vi:
        raise DataSourceError(
            f"Shapefile chưa đủ phần: {'; '.join(problems_vi)}. Hãy chọn cùng lúc mọi tệp cùng tên (.shp, .shx, "
            ".dbf, và .prj, .cpg nếu có), hoặc nén chúng thành một tệp .zip rồi tải lên.",
            f"Shapefile parts missing: {'; '.join(problems_en)}. Choose every file of the same name at once (.shp, "
            ".shx, .dbf, and .prj, .cpg if there are), or zip them into one .zip file and upload that.")
    total = sum(len(data) for _, data in files)
    check_size(total, name=" + ".join(safe_name(n) for n, _ in files)[:200], limit=limit)
    root = root or workspace_root()
    folder = new_folder(root / "uploads", _stamp())
    found: list[Path] = []
    for parts in groups.values():
        stem = parts[".shp"][0][: -len(".shp")]
        for suffix, (_, data) in parts.items():
            with open(_inside(folder / f"{stem}{suffix}", root), "xb") as out:
                out.write(data)
        found.append(folder / f"{stem}.shp")
    for base, data in others:
        target = _inside(folder / base, root)
        with open(target, "xb") as out:
            out.write(data)
        found.append(target)
    return found


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


def _damaged(archive: str, exc: BaseException) -> DataSourceError:
    return DataSourceError(
        f"Tệp nén «{archive}» bị hỏng hoặc chưa tải lên hết ({type(exc).__name__}: {exc}). Hãy nén lại dữ liệu "
        "trên máy (kiểm tra mở được bằng trình giải nén) rồi tải lên lại.",
        f"Archive '{archive}' is damaged or incomplete ({type(exc).__name__}: {exc}). Zip the data again on your "
        "computer (check that it opens in an unzip tool) and upload it again.",
    )


def _bad_name(name: str) -> bool:
    if "\x00" in name:
        return True
    text = name.replace("\\", "/")
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text):
        return True
    return any(part == ".." for part in text.split("/"))


def _folded(name: str) -> str:
    """The name as a file system that ignores case and Unicode form sees it (Windows, macOS)."""
    return unicodedata.normalize("NFC", name.replace("\\", "/").rstrip("/")).casefold()


def _check_names(archive: str, infos: list[zipfile.ZipInfo], *, max_path: int) -> None:
    seen: dict[str, str] = {}
    for info in infos:
        name = info.filename
        if _bad_name(name):
            raise _refuse(archive, f"mục «{name}» trỏ ra ngoài thư mục giải nén",
                          f"entry '{name}' points outside the folder it unpacks to")
        longest = max((len(part.encode("utf-8")) for part in name.replace("\\", "/").split("/")), default=0)
        if len(name) > max_path or longest > 255:
            shown = name[:60] + "…"
            raise over_limit(
                f"Tệp nén «{archive}»: đường dẫn «{shown}» quá dài",
                f"Archive '{archive}': the path '{shown}' is too long",
                found=f"{len(name)} ký tự, tên dài nhất {longest} byte", limit=f"{max_path} ký tự, 255 byte một tên",
                found_en=f"{len(name)} characters, longest name {longest} bytes",
                limit_en=f"{max_path} characters, 255 bytes a name",
                key="path_chars", todo_vi="Hãy đổi tên tệp, thư mục cho ngắn rồi nén lại.",
                todo_en="Rename the files and folders shorter and zip them again.")
        key = _folded(name)
        if key in seen:
            other = seen[key]
            what_vi = "hai mục trùng tên" if other == name else "hai mục trùng tên khi không phân biệt hoa thường/dạng Unicode"
            what_en = "two entries have the same name" if other == name else \
                "two entries have the same name once case and Unicode form are ignored"
            raise _refuse(archive, f"{what_vi}: «{other}» và «{name}»", f"{what_en}: '{other}' and '{name}'")
        seen[key] = name
    files = {_folded(i.filename) for i in infos if not i.is_dir()}
    for info in infos:
        parts = _folded(info.filename).split("/")
        for n in range(1, len(parts)):
            if "/".join(parts[:n]) in files:
                raise _refuse(archive, f"«{'/'.join(parts[:n])}» vừa là tệp vừa là thư mục",
                              f"'{'/'.join(parts[:n])}' is both a file and a folder")


def check_zip(path: Path, *, max_unpacked: int = MAX_UNPACKED_BYTES, max_entries: int = MAX_ENTRIES,
              max_ratio: float = MAX_RATIO, max_table: int | None = None) -> list[Entry]:
    """The files of a zip archive, after refusing one that is broken, climbs out of its folder or is a bomb.

    Nothing is unpacked: the checks read the archive's directory (entry names, declared sizes, methods).
    Refused: entries whose names climb out, are too long, or clash (the same name twice, or names equal once
    case and Unicode form are ignored, as ``Parcels.shp`` and ``parcels.shp``); links; encrypted entries;
    methods Python cannot read (Deflate64, as Windows writes big zips); a coordinate table over ``table_mb``
    (``max_table``); more than ``max_entries`` entries, more than ``max_unpacked`` bytes in all, or an entry
    compressed more than ``max_ratio`` times. Raises :class:`DataSourceError` naming the first problem and
    what to do.
    """
    name = path.name
    lim = limits()
    max_table = lim.table_bytes if max_table is None else max_table
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise DataSourceError(
            f"Tệp «{name}» không phải tệp nén .zip hợp lệ, hoặc bị hỏng, chưa tải lên hết ({exc}). Hãy nén lại dữ "
            "liệu rồi tải lên.",
            f"'{name}' is not a valid .zip archive, or is damaged or incomplete ({exc}). Zip the data again and "
            "upload it.",
        ) from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > max_entries:
            raise over_limit(
                f"Tệp nén «{name}» có quá nhiều tệp", f"Archive '{name}' holds too many files", found=f"{len(infos)}",
                limit=f"{max_entries}", key="entries", todo_vi="Hãy nén riêng các tệp của lớp thửa đất.",
                todo_en="Zip only the files of the parcel layer.")
        _check_names(name, infos, max_path=lim.path_chars)
        total = 0
        entries: list[Entry] = []
        for info in infos:
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise _refuse(name, f"mục «{info.filename}» là liên kết (symlink)", f"entry '{info.filename}' is a link")
            if info.flag_bits & 0x1:
                raise _refuse(name, f"mục «{info.filename}» có mật khẩu", f"entry '{info.filename}' is encrypted")
            if info.is_dir():
                continue
            if info.compress_type not in _READABLE_METHODS:
                method = "Deflate64" if info.compress_type == _DEFLATE64 else f"#{info.compress_type}"
                raise DataSourceError(
                    f"Tệp nén «{name}»: mục «{info.filename}» nén theo kiểu {method}, công cụ không đọc được (Windows "
                    "nén tệp lớn theo kiểu này). Hãy nén lại bằng 7-Zip hoặc WinRAR chọn kiểu nén «Deflate» "
                    "(thường), hoặc tải lên các tệp chưa nén (.shp, .shx, .dbf, .prj).",
                    f"Archive '{name}': entry '{info.filename}' is compressed with {method}, which the tool cannot "
                    "read (Windows compresses big files this way). Zip it again with 7-Zip or WinRAR choosing "
                    "ordinary 'Deflate' compression, or upload the files unzipped (.shp, .shx, .dbf, .prj).",
                )
            if info.filename.lower().endswith(TABLE_SUFFIXES) and info.file_size > max_table:
                raise over_limit(
                    f"Bảng «{info.filename}» trong tệp nén «{name}» quá lớn khi giải nén",
                    f"Table '{info.filename}' in archive '{name}' is too large unpacked", found=_mb(info.file_size),
                    limit=_mb(max_table), key="table_mb",
                    todo_vi="Một bảng tọa độ của xã chỉ vài MB: hãy xuất lại bảng, chỉ giữ các cột số thửa và tọa độ.",
                    todo_en="A commune's coordinate table is a few MB: export it again keeping only the parcel "
                    "number and coordinate columns.")
            total += info.file_size
            if total > max_unpacked:
                raise over_limit(
                    f"Tệp nén «{name}» giải nén ra quá nhiều dữ liệu", f"Archive '{name}' unpacks to too much data",
                    found=f"hơn {_mb(total)}", found_en=f"over {_mb(total)}", limit=_mb(max_unpacked),
                    key="unpacked_mb", todo_vi="Hãy nén riêng các tệp của lớp thửa đất.", todo_en="Zip only the files of the parcel layer.")
            if info.file_size > RATIO_FLOOR_BYTES and info.file_size > max_ratio * max(info.compress_size, 1):
                ratio = info.file_size / max(info.compress_size, 1)
                raise _refuse(
                    name, f"mục «{info.filename}» nén {ratio:.0f} lần, vượt giới hạn {max_ratio:.0f} lần («ratio» "
                    "trong gis/limits.toml; dấu hiệu bom nén)", f"entry '{info.filename}' is compressed {ratio:.0f} "
                    f"times, over the limit of {max_ratio:.0f} ('ratio' in gis/limits.toml; a zip bomb)")
            entries.append(Entry(info.filename, info.file_size))
    return entries


def safe_extract(path: Path, dest: Path, *, max_unpacked: int = MAX_UNPACKED_BYTES,
                 max_table: int | None = None) -> list[Path]:
    """Unpack a zip archive into the empty folder ``dest`` after :func:`check_zip`; returns the files.

    Bytes are counted while unpacking too (a header can lie about sizes), in all and per coordinate table;
    unpacking stops at the limit. A damaged entry (bad deflate data, a CRC error, a truncated file) or a path
    the file system refuses is a :class:`DataSourceError`. Nested archives stay packed. On an error the files
    already written stay in ``dest``; the caller removes it (see :func:`scratch_dir`).
    """
    max_table = limits().table_bytes if max_table is None else max_table
    entries = check_zip(path, max_unpacked=max_unpacked, max_table=max_table)
    dest = dest.resolve()
    written: list[Path] = []
    total = 0
    try:
        with zipfile.ZipFile(path) as archive:
            for entry in entries:
                target = (dest / entry.name).resolve()
                if not target.is_relative_to(dest):
                    raise _refuse(path.name, f"mục «{entry.name}» trỏ ra ngoài thư mục giải nén",
                                  f"entry '{entry.name}' points outside the folder it unpacks to")
                table = entry.name.lower().endswith(TABLE_SUFFIXES)
                size = 0
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(entry.name) as src, open(target, "xb") as out:
                    while chunk := src.read(1 << 20):
                        total += len(chunk)
                        size += len(chunk)
                        if total > max_unpacked:
                            raise over_limit(
                                f"Tệp nén «{path.name}» giải nén ra quá nhiều dữ liệu",
                                f"Archive '{path.name}' unpacks to too much data", found=f"hơn {_mb(total)}",
                                found_en=f"over {_mb(total)}",
                                limit=_mb(max_unpacked), key="unpacked_mb",
                                todo_vi="Hãy nén riêng các tệp của lớp thửa đất.",
                                todo_en="Zip only the files of the parcel layer.")
                        if table and size > max_table:
                            raise over_limit(
                                f"Bảng «{entry.name}» trong tệp nén «{path.name}» quá lớn khi giải nén",
                                f"Table '{entry.name}' in archive '{path.name}' is too large unpacked",
                                found=f"hơn {_mb(size)}", found_en=f"over {_mb(size)}", limit=_mb(max_table),
                                key="table_mb",
                                todo_vi="Hãy xuất lại bảng, chỉ giữ các cột số thửa và tọa độ.",
                                todo_en="Export it again keeping only the parcel number and coordinate columns.")
                        out.write(chunk)
                written.append(target)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise _damaged(path.name, exc) from exc
    except OSError as exc:
        if exc.filename is None:  # a seek or read in the archive itself: offsets pointing nowhere
            raise _damaged(path.name, exc) from exc
        raise DataSourceError(
            f"Không giải nén được tệp «{path.name}» ({type(exc).__name__}: {exc}). Hãy giải nén trên máy, đổi tên "
            "các tệp, thư mục cho ngắn, đơn giản rồi nén lại.",
            f"Cannot unpack '{path.name}' ({type(exc).__name__}: {exc}). Unpack it on your computer, give the "
            "files and folders short plain names and zip them again.",
        ) from exc
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
