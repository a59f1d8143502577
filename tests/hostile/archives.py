"""Hostile and broken archives (.zip, .kmz), and layers over the feature and vertex limits.

Archives are built with :mod:`zipfile` and, where Python cannot write the fault (an encrypted flag, a
Deflate64 method, a header that lies about sizes), patched byte by byte at the documented offsets of the
zip format (APPNOTE.TXT 4.3.7 local header, 4.3.12 central directory header).
"""

from __future__ import annotations

import stat
import struct
import unicodedata
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
import vn_files as vf

from gis.core.limits import limits

from . import Case

LIM = limits()
PROVINCE = ("--province", "Bắc Giang")


def _shapefile_members(d: Path) -> list[tuple[str, bytes]]:
    """The files of a good shapefile (EPSG:9214 .prj, UTF-8 .dbf) as (name, bytes)."""
    shp = vf.shapefile(d / "src")
    return [(p.name, p.read_bytes()) for p in sorted(shp.parent.iterdir()) if p.stem == shp.stem]


def _zip(name: str, entries: Callable[[Path], list[tuple[str | zipfile.ZipInfo, bytes]]], *,
         method: int = zipfile.ZIP_DEFLATED, **kwargs: object) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        path = d / name
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # zipfile warns of the duplicate names we mean to write
            with zipfile.ZipFile(path, "w", method, **kwargs) as archive:  # type: ignore[arg-type]
                for entry, data in entries(d):
                    archive.writestr(entry, data)
        return path
    return make


def _with_shapefile(*extra: tuple[str, bytes], prefix: str = "") -> Callable[[Path], list[tuple[str | zipfile.ZipInfo, bytes]]]:
    def entries(d: Path) -> list[tuple[str | zipfile.ZipInfo, bytes]]:
        return [(prefix + n, b) for n, b in _shapefile_members(d)] + list(extra)
    return entries


def _patch(path: Path, index: int, *, method: int | None = None, flags: int = 0, file_size: int | None = None,
           crc: int | None = None) -> None:
    """Rewrite fields of entry ``index`` in its local header and in the central directory."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        start = archive.start_dir  # type: ignore[attr-defined]
    local = infos[index].header_offset
    pos = start
    for i in range(len(infos)):
        assert data[pos:pos + 4] == b"PK\x01\x02"
        n, m, k = struct.unpack("<HHH", data[pos + 28:pos + 34])
        if i == index:
            for flag_at, method_at, crc_at, size_at in ((local + 6, local + 8, local + 14, local + 22),
                                                         (pos + 8, pos + 10, pos + 16, pos + 24)):
                data[flag_at:flag_at + 2] = struct.pack("<H", struct.unpack("<H", data[flag_at:flag_at + 2])[0] | flags)
                if method is not None:
                    data[method_at:method_at + 2] = struct.pack("<H", method)
                if crc is not None:
                    data[crc_at:crc_at + 4] = struct.pack("<I", crc)
                if file_size is not None:
                    data[size_at:size_at + 4] = struct.pack("<I", file_size)
        pos += 46 + n + m + k
    path.write_bytes(bytes(data))


def _patched(base: Callable[[Path], Path], index: int, **changes: int) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        path = base(d)
        _patch(path, index, **changes)
        return path
    return make


def _entry_index(path: Path, suffix: str) -> int:
    with zipfile.ZipFile(path) as archive:
        return next(i for i, info in enumerate(archive.infolist()) if info.filename.endswith(suffix))


def _encrypted(d: Path) -> Path:
    path = _zip("mat_khau.zip", _with_shapefile())(d)
    _patch(path, _entry_index(path, ".shp"), flags=0x1)
    return path


def _deflate64(d: Path) -> Path:
    # A deflate stream of stored blocks (level 0) is also a valid Deflate64 stream: only the method differs.
    path = _zip("windows_lon.zip", _with_shapefile(), compresslevel=0)(d)
    for i in range(len(_shapefile_members(d))):
        _patch(path, i, method=9)
    return path


def _lying_small(d: Path) -> Path:
    """The .dbf's headers say 10 bytes; the data is longer (and its CRC no longer matches)."""
    path = _zip("noi_doi.zip", _with_shapefile(), method=zipfile.ZIP_STORED)(d)
    _patch(path, _entry_index(path, ".dbf"), file_size=10)
    return path


def _lying_huge(d: Path) -> Path:
    """The .dbf's headers claim 4 GB unpacked: refused from the directory alone."""
    path = _zip("noi_qua.zip", _with_shapefile(), method=zipfile.ZIP_STORED)(d)
    _patch(path, _entry_index(path, ".dbf"), file_size=0xFFFF_FFF0)
    return path


def _corrupt_deflate(d: Path) -> Path:
    path = _zip("hong_nen.zip", lambda d: [("thua_dat.dbf", b"".join(b"%06d,THUA,LUA,%d\n" % (i, i * 7)
                                                                      for i in range(20000)))])(d)
    data = bytearray(path.read_bytes())
    for at in range(200, 400, 7):
        data[at] ^= 0x5A
    path.write_bytes(bytes(data))
    return path


def _crc_error(d: Path) -> Path:
    path = _zip("sai_crc.zip", _with_shapefile(), method=zipfile.ZIP_STORED)(d)
    _patch(path, _entry_index(path, ".shp"), crc=0x1234_5678)
    return path


def _truncated(d: Path) -> Path:
    path = _zip("cat_do.zip", _with_shapefile())(d)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 6 // 10])
    return path


def _middle_cut(d: Path) -> Path:
    """The end of the archive is there, but bytes in the middle are gone (an interrupted copy)."""
    path = _zip("mat_giua.zip", _with_shapefile(), method=zipfile.ZIP_STORED)(d)
    data = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        second = archive.infolist()[1].header_offset
    path.write_bytes(data[:second - 50] + data[second:])
    return path


def _symlink(d: Path) -> list[tuple[str | zipfile.ZipInfo, bytes]]:
    info = zipfile.ZipInfo("thua_dat.shp")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return [(info, b"/etc/passwd")]


def _nested(d: Path) -> list[tuple[str | zipfile.ZipInfo, bytes]]:
    inner = _zip("ben_trong.zip", _with_shapefile())(d)
    return [("ben_trong.zip", inner.read_bytes())]


def _kmz_text(d: Path) -> Path:
    path = d / "ban_do.kmz"
    path.write_bytes(b"<kml>not zipped</kml>")
    return path


def _empty_file(name: str) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        path = d / name
        path.write_bytes(b"")
        return path
    return make


def _many_entries(d: Path) -> list[tuple[str | zipfile.ZipInfo, bytes]]:
    return [(f"t/{i:05d}.txt.md", b"x") for i in range(LIM.entries + 1)]


def _big_csv_rows(target: int) -> Callable[[Path], Path]:
    """A zip holding a CSV of ``target`` bytes, written in chunks (never held in memory)."""
    def make(d: Path) -> Path:
        path = d / f"bang_{target >> 20}mb.zip"
        header = "Tờ,Thửa,Điểm,X (m),Y (m)\n".encode()
        block = b"".join(b"12,%d,%d,2361018.25,406000.75\n" % (i // 4, i % 4 + 1) for i in range(40000))
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            with archive.open("bang_toa_do.csv", "w", force_zip64=True) as out:
                out.write(header)
                written = len(header)
                while written < target:
                    chunk = block[: target - written]
                    out.write(chunk)
                    written += len(chunk)
        return path
    return make


def _csv_in_zip(d: Path) -> list[tuple[str | zipfile.ZipInfo, bytes]]:
    return [("bang/" + vf.csv_table(d).name, vf.csv_table(d).read_bytes())]


def _xlsx_in_zip(d: Path) -> list[tuple[str | zipfile.ZipInfo, bytes]]:
    return [(vf.xlsx_table(d).name, vf.xlsx_table(d).read_bytes())]


def _kmz(d: Path) -> Path:
    return vf.kmz(d)


def _too_many_features(d: Path) -> Path:
    path = d / "qua_nhieu_diem.gpkg"
    n = LIM.features + 1
    xy = np.column_stack([np.linspace(406000, 407000, n), np.full(n, 2361000.0)])
    frame = gpd.GeoDataFrame({"SHTHUA": np.arange(n)}, geometry=shapely.points(xy), crs=9214)
    pyogrio.write_dataframe(frame, path, layer="diem", driver="GPKG")
    return path


def _too_many_vertices(d: Path) -> Path:
    """One parcel drawn with more vertices than ``vertices`` allows (a circle, densified)."""
    path = d / "qua_nhieu_dinh.gpkg"
    n = LIM.vertices + 1
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    ring = np.column_stack([406500 + 50 * np.cos(angles), 2361500 + 50 * np.sin(angles)])
    frame = gpd.GeoDataFrame({"SHBANDO": [12], "SHTHUA": [1], "MALOAIDAT": ["LUC"]},
                             geometry=[shapely.Polygon(ring)], crs=9214)
    pyogrio.write_dataframe(frame, path, layer="thua", driver="GPKG")
    return path


def _non_utf8_names(d: Path) -> Path:
    """Entry names in cp437 bytes without the UTF-8 flag, as old Windows tools write them."""
    path = d / "ten_cu.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in _shapefile_members(d):
            info = zipfile.ZipInfo("bản đồ/" + name)
            info.filename = "b\xa0n_do/" + name  # 'á' in cp437, written as that single byte
            archive.writestr(info, data)
    return path


def _duplicate_numbers(d: Path) -> list[tuple[str | zipfile.ZipInfo, bytes]]:
    frame = vf.parcels()
    frame.loc[1, "SHTHUA"] = 1
    path = d / "trung_so.gpkg"
    pyogrio.write_dataframe(frame, path, layer="thua", driver="GPKG")
    return [("du_lieu/trung_so.gpkg", path.read_bytes())]


_NFC = unicodedata.normalize("NFC", "thửa_đất.shp")
_NFD = unicodedata.normalize("NFD", "thửa_đất.shp")
OUTSIDE = "trỏ ra ngoài thư mục"
DAMAGED = "bị hỏng hoặc chưa tải lên hết"
CLASH = "trùng tên"
NO_DATA = "không có tệp dữ liệu bản đồ"

CASES: list[Case] = [
    # archives that already pass, kept passing
    Case("zip: shapefile in a folder", _zip("thua_dat.zip", _with_shapefile(prefix="ban_do/")), "ok"),
    Case("zip: shapefile at the top", _zip("thua_top.zip", _with_shapefile()), "ok"),
    Case("zip: stored, not compressed", _zip("thua_stored.zip", _with_shapefile(), method=zipfile.ZIP_STORED), "ok"),
    Case("zip: zip64 headers", _zip("thua_zip64.zip", _with_shapefile(), allowZip64=True), "ok"),
    Case("zip: macOS litter beside the data", _zip("thua_mac.zip", _with_shapefile(
        ("__MACOSX/._thua_dat.shp", b"\x00\x05\x16\x07"), ("._thua_dat.dbf", b"\x00junk"), (".DS_Store", b"\x00\x01"))),
        "ok"),
    Case("zip: old Windows names (cp437, no UTF-8 flag)", _non_utf8_names, "ok"),
    Case("zip: a 60 KB comment", lambda d: _set_comment(_zip("thua_comment.zip", _with_shapefile())(d)), "ok"),
    Case("zip: coordinate table inside", _zip("bang_zip.zip", _csv_in_zip), "ok",
         args=(*PROVINCE, "--map", "Loại đất=land_use")),
    Case("zip: Excel table inside", _zip("excel_zip.zip", _xlsx_in_zip), "ok",
         args=(*PROVINCE, "--map", "Loại đất=land_use")),
    Case("kmz: Google Earth", _kmz, "ok", args=PROVINCE),
    Case("zip: GeoPackage with a parcel number twice", _zip("trung_so.zip", _duplicate_numbers), "problems",
         problem="duplicate_parcel"),
    # names that climb out, links, encryption
    Case("zip slip: ../", _zip("slip.zip", lambda d: [("../../thua_dat.shp", b"x")]), "refused", OUTSIDE),
    Case("zip slip: ..\\ (Windows)", _zip("slip_win.zip", lambda d: [("..\\..\\thua_dat.shp", b"x")]), "refused",
         OUTSIDE),
    Case("zip slip: inside then out", _zip("slip_mid.zip", lambda d: [("a/../../thua_dat.shp", b"x")]), "refused",
         OUTSIDE),
    Case("zip: absolute path", _zip("tuyet_doi.zip", lambda d: [("/tmp/thua_dat_abs.shp", b"x")]), "refused", OUTSIDE),
    Case("zip: drive letter", _zip("o_dia.zip", lambda d: [("C:/Windows/thua_dat.shp", b"x")]), "refused", OUTSIDE),
    Case("zip: network path", _zip("unc.zip", lambda d: [("\\\\may\\chung\\thua_dat.shp", b"x")]), "refused", OUTSIDE),
    Case("zip: symlink entry", _zip("lien_ket.zip", _symlink), "refused", "liên kết"),
    Case("zip: encrypted entry", _encrypted, "refused", "mật khẩu"),
    # bombs and sizes
    Case("zip bomb: 40 MB of zeros", _zip("bom.zip", lambda d: [("thua_dat.dbf", b"\0" * (40 << 20))]), "refused",
         "bom nén"),
    Case("zip: headers claim 4 GB", _lying_huge, "refused", "giải nén ra quá nhiều dữ liệu"),
    Case("zip: headers understate a size", _lying_small, "refused", DAMAGED),
    Case("zip: too many entries", _zip("nhieu_tep.zip", _many_entries, method=zipfile.ZIP_STORED), "refused",
         "quá nhiều tệp"),
    Case("zip: 60 MB table in a small zip", _big_csv_rows(60 << 20), "refused", "table_mb"),
    Case("zip: 1.5 GB table in a few MB (heavy)", _big_csv_rows(1536 << 20), "refused", "table_mb", heavy=True),
    # damaged archives
    Case("zip: not a zip at all", lambda d: _text(d, "gia.zip", b"hello, not a zip"), "refused",
         "không phải tệp nén .zip hợp lệ"),
    Case("zip: zero bytes", _empty_file("rong.zip"), "refused", "rỗng (0 byte)"),
    Case("zip: truncated (upload cut short)", _truncated, "refused", "không phải tệp nén .zip hợp lệ"),
    Case("zip: bytes lost in the middle", _middle_cut, "refused", DAMAGED),
    Case("zip: corrupt deflate data", _corrupt_deflate, "refused", DAMAGED),
    Case("zip: CRC error", _crc_error, "refused", DAMAGED),
    Case("zip: Deflate64 (Windows Explorer)", _deflate64, "refused", "Deflate64"),
    Case("zip: unknown compression method", _patched(_zip("la.zip", _with_shapefile()), 0, method=99), "refused",
         "nén theo kiểu"),
    # names that clash or are too long
    Case("zip: the same name twice", _zip("trung.zip", _with_shapefile(("thua_dat.shp", b"again"))), "refused",
         CLASH),
    Case("zip: names differing only in case", _zip("hoa_thuong.zip", _with_shapefile(("Thua_Dat.SHP", b"x"))),
         "refused", CLASH),
    Case("zip: names differing only in Unicode form", _zip("unicode.zip", lambda d: [(_NFC, b"x"), (_NFD, b"y")]),
         "refused", CLASH),
    Case("zip: a file and a folder of one name", _zip("tep_thu_muc.zip", _with_shapefile(("ban_do", b"x"),
                                                                                        prefix="ban_do/")),
         "refused", "vừa là tệp vừa là thư mục"),
    Case("zip: name of 300 characters", _zip("ten_dai.zip", lambda d: [("t" * 296 + ".shp", b"x")]), "refused",
         "quá dài"),
    Case("zip: path 150 folders deep", _zip("sau.zip", lambda d: [("d/" * 150 + "thua_dat.shp", b"x")]), "refused",
         "quá dài"),
    # archives with nothing to read
    Case("zip: empty archive", _zip("trong.zip", lambda d: []), "refused", NO_DATA),
    Case("zip: folders only", _zip("chi_thu_muc.zip", lambda d: [("ban_do/", b""), ("ban_do/cu/", b"")]), "refused",
         NO_DATA),
    Case("zip: documents, no map", _zip("van_ban.zip", lambda d: [("ghi_chu.docx", b"PK"), ("anh.jpg", b"\xff\xd8")]),
         "refused", NO_DATA),
    Case("zip: a zip inside a zip", _zip("long_nhau.zip", _nested), "refused", "tệp nén khác"),
    Case("zip: shapefile without .dbf", _zip("thieu_dbf.zip", lambda d: [
        (n, b) for n, b in _shapefile_members(d) if not n.endswith(".dbf")]), "refused", "thiếu tệp .dbf"),
    Case("zip: binary data named .csv", _zip("bang_nhi_phan.zip", lambda d: [("bang.csv", bytes(range(256)) * 64)]),
         "refused", "không phải bảng văn bản"),
    Case("kmz: no KML inside", _zip("rong.kmz", lambda d: [("anh.png", b"\x89PNG")]), "refused", NO_DATA),
    Case("kmz: not zipped", _kmz_text, "refused", "không phải tệp nén .zip hợp lệ"),
    # layers over the limits
    Case("layer: more features than the limit", _too_many_features, "refused", "quá nhiều đối tượng"),
    Case("layer: more vertices than the limit (heavy)", _too_many_vertices, "refused", "quá nhiều đỉnh", heavy=True),
]


def _text(d: Path, name: str, data: bytes) -> Path:
    path = d / name
    path.write_bytes(data)
    return path


def _set_comment(path: Path) -> Path:
    with zipfile.ZipFile(path, "a") as archive:
        archive.comment = ("Xuất từ ViLIS " * 4600).encode()[:60000]
    return path
