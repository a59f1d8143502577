"""A shapefile's text read through GDAL as latin-1 (:data:`gis.files.dbf.LATIN1`) hands every stored byte over
unchanged, in values and field names (GDAL trims the blanks around a value): the encodings are decoded by the
tool from those bytes."""

from __future__ import annotations

import struct
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely

from gis.files.dbf import LATIN1, _raw_columns

WIDTH = 12


def _every_byte_shapefile(folder: Path) -> tuple[Path, list[bytes]]:
    """255 square parcels whose text field (named with bytes above 0x7F) holds each byte 0x01-0xFF."""
    values = [bytes([b]) * 3 + b" x " + bytes([256 - b if b > 1 else 2]) for b in range(1, 256)]
    frame = gpd.GeoDataFrame({"ID": list(range(255))}, geometry=[shapely.box(i, 0, i + 1, 1) for i in range(255)],
                             crs=9214)
    folder.mkdir(parents=True, exist_ok=True)
    shp = folder / "every_byte.shp"
    pyogrio.write_dataframe(frame, shp)
    header = bytearray(32)
    header[0] = 3
    struct.pack_into("<IHH", header, 4, len(values), 32 + 32 * 2 + 1, 1 + 10 + WIDTH)
    number, text = bytearray(32), bytearray(32)
    number[:2], number[11], number[16] = b"ID", ord("N"), 10
    text[:5], text[11], text[16] = b"T\xc9N\xd0X", ord("C"), WIDTH
    body = b"".join(b" " + str(i).rjust(10).encode() + v.ljust(WIDTH, b" ") for i, v in enumerate(values))
    shp.with_suffix(".dbf").write_bytes(bytes(header + number + text) + b"\r" + body + b"\x1a")
    return shp, values


def test_every_byte_comes_back_as_stored(tmp_path: Path) -> None:
    shp, values = _every_byte_shapefile(tmp_path)
    names, columns, count = _raw_columns(shp.with_suffix(".dbf"))
    assert names == [b"T\xc9N\xd0X"] and count == 255
    codes, distinct = columns[0]
    assert [distinct[c] for c in codes] == [v.strip(b" ") for v in values]  # blanks around trimmed, as GDAL does
    frame = pyogrio.read_dataframe(shp, encoding=LATIN1)
    assert [v.encode("latin-1") for v in frame["T\xc9N\xd0X"]] == [v.strip(b" ") for v in values]  # blanks around trimmed, as GDAL does
