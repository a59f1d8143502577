"""Tests of gis.files: the TCVN3 and VNI tables, round trips, detection, repair and DBF reading.

glibc's iconv is the independent reference for TCVN3 (``TCVN5712-1``) and cp1258 (``CP1258``); there is none
for VNI, so VNI is checked against spellings taken from the VNI chart and by its structure. These tests need
the ``iconv`` program: without it they fail, they are not skipped.
"""

from __future__ import annotations

import string
import subprocess
import sys
import unicodedata
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from gis.core.errors import GisError
from gis.files.codecs import (
    ENCODINGS,
    VIETNAMESE_LETTERS,
    EncodingError,
    canonical_encoding,
    decode,
    encode,
    restore_caps_font,
)
from gis.files.dbf import DbfError, read_dbf_columns, read_dbf_text, write_dbf, write_legacy_shapefile
from gis.files.detect import detect, detect_text, is_vietnamese_syllable, repair

PRINTABLE_ASCII = "".join(chr(c) for c in range(0x20, 0x7F))

#: Real-world-like values: names of land users, villages, addresses, land-use names.
SAMPLES = [
    "Nguyễn Văn An",
    "Thôn Sơn Quả 1",
    "Lương Phong",
    "Trần Thị Hồng",
    "Xã Lương Phong, huyện Hiệp Hòa, tỉnh Bắc Giang",
    "Đất trồng lúa nước",
    "Ngô Thị Ánh",
    "Thân Văn Quyết",
    "Giáp Thị Tuyết",
    "Đặng Đình Ước",
    "THÔN NGỌ KHỔNG",
    "Đất ở tại nông thôn",
    "Nghĩa trang, nghĩa địa",
    "Bãi Giữa",
]


def iconv(data: bytes, source: str, target: str) -> bytes:
    """Convert with glibc's iconv (the independent reference); fails the test if iconv is missing."""
    result = subprocess.run(["iconv", "-f", source, "-t", target], input=data, capture_output=True, check=True)
    return result.stdout


# --------------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------------


def test_iconv_has_tcvn5712_1() -> None:
    listing = subprocess.run(["iconv", "-l"], capture_output=True, check=True, text=True).stdout
    assert "TCVN5712-1" in listing


def test_the_alphabet_has_134_letters() -> None:
    assert len(VIETNAMESE_LETTERS) == len(set(VIETNAMESE_LETTERS)) == 134
    assert all(unicodedata.is_normalized("NFC", c) and len(c) == 1 for c in VIETNAMESE_LETTERS)


def test_tcvn3_encodes_every_letter_as_iconv_does() -> None:
    """Every Vietnamese letter, lower and upper case, and printable ASCII, one by one against iconv."""
    letters = list(VIETNAMESE_LETTERS) + list(PRINTABLE_ASCII)
    reference = iconv("\n".join(letters).encode("utf-8"), "UTF-8", "TCVN5712-1").split(b"\n")
    ours = [encode(c, "tcvn3") for c in letters]
    assert ours == reference
    assert all(len(code) == 1 for code in ours)


def test_tcvn3_decodes_every_byte_as_iconv_does() -> None:
    """Bytes 0x80-0xFF one by one. Intended difference: 0xB0-0xB4 (VN1's separate tone marks) are read but
    composed with the letter before them (NFC), and never written."""
    codes = [b for b in range(0x80, 0x100) if not 0xB0 <= b <= 0xB4]
    reference = iconv(b"\n".join(bytes([b]) for b in codes), "TCVN5712-1", "UTF-8").decode("utf-8").split("\n")
    assert [decode(bytes([b]), "tcvn3") for b in codes] == reference
    assert decode(b"a\xb3", "tcvn3") == iconv(b"a\xb3", "TCVN5712-1", "UTF-8").decode() == "á"


def test_tcvn3_vn3_chart_layout() -> None:
    """The VN3 (ABC) chart itself: base letters at 0xA1-0xAE, toned lower case in 0xB5-0xFE."""
    assert encode("ĂÂÊÔƠƯĐăâêôơưđ", "tcvn3") == bytes(range(0xA1, 0xAF))
    assert encode("àảãáạ", "tcvn3") == bytes(range(0xB5, 0xBA))
    assert encode("ỳỷỹýỵ", "tcvn3") == bytes(range(0xFA, 0xFF))
    lower = [c for c in VIETNAMESE_LETTERS if c.islower()]
    assert all(0xA8 <= encode(c, "tcvn3")[0] <= 0xFE for c in lower)
    assert encode("Lương Phong", "tcvn3").decode("latin-1") == "L\u00ad¬ng Phong"


def test_tcvn3_caps_font_writes_capitals_in_lower_case_codes() -> None:
    """Intended difference from iconv: the caps-font mode, as ABC users typed capitals with .VnTimeH."""
    data = encode("ĐỒNG LÚA", "tcvn3", caps_font=True)
    assert data == b"\xa7\xe5NG L\xf3A"
    assert decode(data, "tcvn3") == "ĐồNG LúA"
    assert restore_caps_font(decode(data, "tcvn3")) == "ĐỒNG LÚA"
    assert restore_caps_font("Xã Lương Phong") == "Xã Lương Phong"


def test_cp1258_encodes_every_letter_as_iconv_does() -> None:
    letters = list(VIETNAMESE_LETTERS)
    reference = iconv("\n".join(letters).encode("utf-8"), "UTF-8", "CP1258").split(b"\n")
    assert [encode(c, "cp1258") for c in letters] == reference
    assert [decode(code, "cp1258") for code in reference] == letters


@pytest.mark.parametrize(
    ("text", "vni"),
    [
        ("Nguyễn Văn An", b"Nguye\xe3n Va\xean An"),
        ("Lương Phong", b"L\xf6\xf4ng Phong"),
        ("Trần Thị Hồng", b"Tra\xe0n Th\xf2 Ho\xe0ng"),
        ("Thôn Sơn Quả 1", b"Tho\xe2n S\xf4n Qua\xfb 1"),
        ("Việt Nam", b"Vie\xe4t Nam"),
        ("ĐẶNG VĂN ƯỚC", b"\xd1A\xcbNG VA\xcaN \xd6\xd4\xd9C"),
        ("ắằẳẵặ", b"a\xe9a\xe8a\xfaa\xfca\xeb"),
        ("ìỉĩíị ỳỷỹýỵ", b"\xec\xe6\xf3\xed\xf2 y\xf8y\xfby\xf5y\xf9\xee"),
        ("ứớ ừờ ửở ữỡ ựợ", b"\xf6\xf9\xf4\xf9 \xf6\xf8\xf4\xf8 \xf6\xfb\xf4\xfb \xf6\xf5\xf4\xf5 \xf6\xef\xf4\xef"),
    ],
)
def test_vni_spellings_from_the_chart(text: str, vni: bytes) -> None:
    assert encode(text, "vni") == vni
    assert decode(vni, "vni") == text


def test_vni_table_structure() -> None:
    """Each letter is one high byte or an ASCII vowel plus one modifier; capitals are the same codes with
    high bytes 0x20 lower; all 134 codes differ."""
    codes = {c: encode(c, "vni") for c in VIETNAMESE_LETTERS}
    assert len(set(codes.values())) == 134
    for letter, code in codes.items():
        if len(code) == 1:
            assert code[0] >= 0xC0
        else:
            assert len(code) == 2 and code[1] >= 0xC0
            assert code[0] >= 0xC0 or chr(code[0]) in "aeouyAEOUY"
        if letter.islower():
            upper = codes[letter.upper()]
            assert upper == bytes(b - 0x20 if b >= 0x80 else ord(chr(b).upper()) for b in code)


def test_vni_reads_a_modifier_of_the_other_case() -> None:
    assert decode(b"Tho\xc2n", "vni") == "Thôn"
    assert decode(b"THO\xe2N", "vni") == "THÔN"


# --------------------------------------------------------------------------------------------------
# Round trips (property tests)
# --------------------------------------------------------------------------------------------------

vietnamese_text = st.text(
    alphabet=st.sampled_from(
        VIETNAMESE_LETTERS + tuple(string.ascii_letters) + tuple(string.digits) + tuple(" .,;:-/()'\"!?+")
    ),
    max_size=60,
)


@pytest.mark.parametrize("encoding", ENCODINGS)
@settings(max_examples=300, deadline=None)
@given(text=vietnamese_text)
def test_round_trip(encoding: str, text: str) -> None:
    assert decode(encode(text, encoding), encoding) == text


@settings(max_examples=100, deadline=None)
@given(text=vietnamese_text)
def test_tcvn3_round_trip_agrees_with_iconv(text: str) -> None:
    assert encode(text, "tcvn3") == iconv(text.encode("utf-8"), "UTF-8", "TCVN5712-1")


@pytest.mark.parametrize("encoding", ENCODINGS)
@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=40))
def test_any_bytes_decode_with_replace(encoding: str, data: bytes) -> None:
    assert isinstance(decode(data, encoding, errors="replace"), str)


@settings(max_examples=200, deadline=None)
@given(samples=st.lists(st.binary(max_size=30), max_size=5))
def test_detect_never_fails(samples: list[bytes]) -> None:
    found = detect(samples)
    assert found.encoding in ENCODINGS
    assert 0.0 <= found.confidence <= 1.0


def test_decomposed_text_is_normalised() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn An")
    assert decode(decomposed.encode("utf-8"), "utf-8") == "Nguyễn Văn An"
    assert decode(encode(decomposed, "vni"), "vni") == "Nguyễn Văn An"


# --------------------------------------------------------------------------------------------------
# Detection
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("text", ["Nguyễn Văn An", "Thôn Sơn Quả 1", "Lương Phong", "Trần Thị Hồng"])
def test_detects_a_single_short_value(encoding: str, text: str) -> None:
    found = detect([encode(text, encoding)])
    assert found.encoding == encoding, found.reason_en
    assert found.confidence >= 0.6


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_detects_a_column_confidently(encoding: str) -> None:
    found = detect([encode(s, encoding) for s in SAMPLES] + [b"ONT", b"", b"123"])
    assert found.encoding == encoding
    assert found.confidence >= 0.9
    assert found.reason_vi and found.reason_en
    assert max(found.scores, key=found.scores.__getitem__) == encoding


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_detects_each_sample_alone(encoding: str) -> None:
    wrong = [s for s in SAMPLES if detect([encode(s, encoding)]).encoding != encoding]
    assert wrong == []


def test_plain_ascii_says_so() -> None:
    found = detect([b"LUC", b"ONT+CLN", b"Thon 1"])
    assert found.encoding == "utf-8"
    assert "ASCII" in found.reason_en
    assert detect([b"LUC"], declared="1258").encoding == "cp1258"


def test_a_wrong_cpg_is_reported_and_ignored() -> None:
    found = detect([encode(s, "tcvn3") for s in SAMPLES], declared="UTF-8")
    assert found.encoding == "tcvn3"
    assert found.declared == "UTF-8"
    assert ".cpg" in found.reason_en and ".cpg" in found.reason_vi


def test_syllables() -> None:
    for word in ("Lương", "LƯƠNG", "nghiêng", "quả", "gì", "giữa", "hòa", "hoà", "thuở", "khuỷu", "Ước"):
        assert is_vietnamese_syllable(word), word
    for word in ("L\u00ad¬ng", "Löông", "Taò", "ThÞ", "LưƠng", "hưet", "bapp", "tàt"):
        assert not is_vietnamese_syllable(word), word


# --------------------------------------------------------------------------------------------------
# Repair of text GDAL read as latin-1 / cp1252
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mojibake", "expected", "encoding"),
    [
        ("L\u00ad¬ng Phong", "Lương Phong", "tcvn3"),
        ("NguyÔn V¨n An", "Nguyễn Văn An", "tcvn3"),
        ("Th«n S¬n Qu¶ 1", "Thôn Sơn Quả 1", "tcvn3"),
        ("TrÇn ThÞ Hång", "Trần Thị Hồng", "tcvn3"),
        ("Löông Phong", "Lương Phong", "vni"),
        ("Nguyeãn Vaên An", "Nguyễn Văn An", "vni"),
        ("Traàn Thò Hoàng", "Trần Thị Hồng", "vni"),
        ("LÆ°Æ¡ng Phong", "Lương Phong", "utf-8"),
        ("Lýõng Phong", "Lương Phong", "cp1258"),
    ],
)
def test_repair(mojibake: str, expected: str, encoding: str) -> None:
    assert repair(mojibake) == (expected, encoding)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_repair_undoes_latin1_and_cp1252(encoding: str) -> None:
    for text in SAMPLES:
        data = encode(text, encoding)
        assert repair(data.decode("latin-1")) == (text, encoding)
        as_cp1252 = "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in data)
        assert repair(as_cp1252) == (text, encoding)


def test_repair_leaves_good_text_alone() -> None:
    for text in SAMPLES + ["ONT", "", "Café"]:
        assert repair(text) == (text, None)


def test_repair_with_a_known_encoding_and_a_column() -> None:
    column = [encode(s, "vni").decode("latin-1") for s in SAMPLES]
    found = detect_text(column)
    assert found.encoding == "vni"
    assert [repair(t, encoding=found.encoding)[0] for t in column] == SAMPLES
    assert detect_text(SAMPLES).encoding == "unicode"


# --------------------------------------------------------------------------------------------------
# Shapefiles
# --------------------------------------------------------------------------------------------------


def _frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "CHU_SD": ["Nguyễn Văn An", "Trần Thị Hồng", "Ngô Thị Ánh", "UBND xã", None],
            "DIA_CHI": ["Thôn Sơn Quả 1", "Lương Phong", "Thôn Ngọ Khổng", "Xã Lương Phong", "Bãi Giữa"],
            "LOAI_DAT": ["LUC", "ONT", "CLN", "DGT", "LUC"],
            "SO_THUA": [1, 2, 3, 4, 5],
            "DIEN_TICH": [1000.5, 250.25, 800.0, 120.0, 999.75],
        },
        geometry=[box(600000 + 100 * i, 2360000, 600100 + 100 * i, 2360100) for i in range(5)],
        crs="EPSG:9214",
    )


@pytest.mark.parametrize("encoding", ["tcvn3", "vni", "cp1258", "utf-8"])
def test_dbf_columns_read_as_the_records(tmp_path: Path, encoding: str) -> None:
    """Column by column (each distinct value decoded once) the text, the record count and the detection are those
    of the record-by-record reading, on a legacy file with repeated values and blanks, given the layer GDAL read
    or not."""
    frame = pd.concat([_frame()] * 40, ignore_index=True)  # every value 40 times, blanks among them
    shp = write_legacy_shapefile(gpd.GeoDataFrame(frame, crs="EPSG:9214"), tmp_path / "lap.shp", encoding=encoding)
    records, found = read_dbf_text(shp)
    latin = pyogrio.read_dataframe(shp, encoding="latin1")
    for read in (None, latin):
        columns, count, by_column = read_dbf_columns(shp, read=read)
        assert count == len(records) == 200
        assert set(columns) == set(records[0]) == {"CHU_SD", "DIA_CHI", "LOAI_DAT"}
        for name, texts in columns.items():
            assert texts == [r[name] for r in records]
        assert columns["CHU_SD"][4::5] == [""] * 40
        assert (by_column.encoding, by_column.confidence, by_column.reason_en) == \
            (found.encoding, found.confidence, found.reason_en) and found.encoding == encoding


@pytest.mark.parametrize("encoding", ["tcvn3", "vni", "cp1258", "utf-8"])
def test_legacy_shapefile_reads_back(tmp_path: Path, encoding: str) -> None:
    frame = _frame()
    shp = write_legacy_shapefile(frame, tmp_path / f"thua_{encoding}.shp", encoding=encoding)
    assert not shp.with_suffix(".cpg").exists()
    records, found = read_dbf_text(shp)
    assert found.encoding == encoding
    assert found.confidence >= 0.9
    assert [r["CHU_SD"] for r in records] == ["Nguyễn Văn An", "Trần Thị Hồng", "Ngô Thị Ánh", "UBND xã", ""]
    assert [r["DIA_CHI"] for r in records] == frame["DIA_CHI"].tolist()
    assert set(records[0]) == {"CHU_SD", "DIA_CHI", "LOAI_DAT"}

    # GDAL reads the geometry and numbers right and the text as latin-1; repair fixes the text.
    read = gpd.read_file(shp, engine="pyogrio")
    assert read["SO_THUA"].tolist() == [1, 2, 3, 4, 5]
    assert read["DIEN_TICH"].tolist() == frame["DIEN_TICH"].tolist()
    assert read.geometry.area.tolist() == pytest.approx([10000.0] * 5)
    if encoding != "utf-8":
        assert read["DIA_CHI"].tolist() != frame["DIA_CHI"].tolist()
        assert pyogrio.read_info(shp)["encoding"] == "ISO-8859-1"
    column = detect_text(read["DIA_CHI"])
    repaired = [repair(t, encoding=column.encoding)[0] for t in read["DIA_CHI"]] if column.encoding != "unicode" \
        else read["DIA_CHI"].tolist()
    assert repaired == frame["DIA_CHI"].tolist()


def test_a_wrong_cpg_does_not_mangle_text(tmp_path: Path) -> None:
    shp = write_legacy_shapefile(_frame(), tmp_path / "thua.shp", encoding="tcvn3", cpg="UTF-8")
    records, found = read_dbf_text(shp)
    assert found.encoding == "tcvn3"
    assert found.declared == "UTF-8"
    assert records[1]["DIA_CHI"] == "Lương Phong"


def test_override(tmp_path: Path) -> None:
    shp = write_legacy_shapefile(_frame(), tmp_path / "thua.shp", encoding="vni")
    records, found = read_dbf_text(shp, encoding="VNI-Windows")
    assert found.overridden and found.encoding == "vni" and found.confidence == 1.0
    assert records[1]["DIA_CHI"] == "Lương Phong"
    records, found = read_dbf_text(shp.with_suffix(".dbf"), encoding="TCVN3")
    assert found.encoding == "tcvn3"
    assert records[1]["DIA_CHI"] != "Lương Phong"


def test_deleted_records_are_skipped_as_gdal_does(tmp_path: Path) -> None:
    dbf = write_dbf(tmp_path / "t.dbf", {"TEN": ["Lương Phong", "Xóa", "Trần Thị Hồng"]}, encoding="tcvn3")
    data = bytearray(dbf.read_bytes())
    header_len, record_len = int.from_bytes(data[8:10], "little"), int.from_bytes(data[10:12], "little")
    data[header_len + record_len] = ord("*")
    dbf.write_bytes(bytes(data))
    records, found = read_dbf_text(dbf)
    assert [r["TEN"] for r in records] == ["Lương Phong", "Trần Thị Hồng"]
    assert found.encoding == "tcvn3"


@pytest.mark.parametrize("encoding", ["tcvn3", "vni", "cp1258", "utf-8"])
def test_every_letter_reaches_the_decoder_unchanged_through_gdal(tmp_path: Path, encoding: str) -> None:
    # TCVN3 puts the capitals with a tone at bytes 0x01-0x17 and 0x80-0x9F: control characters in latin-1,
    # which GDAL must hand over as they are for the bytes to decode right.
    values = ["".join(VIETNAMESE_LETTERS[i:i + 20]) for i in range(0, len(VIETNAMESE_LETTERS), 20)]
    raw = [encode(v, encoding) for v in values]
    if encoding == "tcvn3":
        assert any(0x01 <= b <= 0x17 for r in raw for b in r) and any(0x80 <= b <= 0x9F for r in raw for b in r)
    dbf = write_dbf(tmp_path / "letters.dbf", {"TEN": values, "SO": list(range(len(values)))}, encoding=encoding)
    records, found = read_dbf_text(dbf, encoding=encoding)
    assert [r["TEN"] for r in records] == values
    assert set(records[0]) == {"TEN"}  # the numeric field is not text


def test_a_table_without_text_has_a_record_per_row(tmp_path: Path) -> None:
    dbf = write_dbf(tmp_path / "numbers.dbf", {"SO": [1, 2, 3], "DT": [1.5, 2.5, 3.5]}, encoding="tcvn3")
    records, found = read_dbf_text(dbf)
    assert records == [{}, {}, {}]
    assert found.encoding == "utf-8" and found.confidence == 1.0  # nothing to tell the encodings apart


def test_blanks_around_a_value_are_removed_as_gdal_does(tmp_path: Path) -> None:
    dbf = write_dbf(tmp_path / "t.dbf", {"TEN": ["  Lương Phong  ", "Thôn\tCấm", ""]}, encoding="tcvn3")
    records, _ = read_dbf_text(dbf, encoding="tcvn3")
    assert [r["TEN"] for r in records] == ["Lương Phong", "Thôn\tCấm", ""]


def test_caps_font_fixture(tmp_path: Path) -> None:
    dbf = write_dbf(tmp_path / "t.dbf", {"TEN": ["THÔN SƠN QUẢ 1", "Lương Phong"]}, encoding="tcvn3", caps_font=True)
    records, _ = read_dbf_text(dbf)
    assert [restore_caps_font(r["TEN"]) for r in records] == ["THÔN SƠN QUẢ 1", "Lương Phong"]


# --------------------------------------------------------------------------------------------------
# Bad input: messages in Vietnamese and English
# --------------------------------------------------------------------------------------------------


def _both(exc: GisError) -> None:
    assert exc.vi and exc.en and exc.vi != exc.en
    assert exc.text("vi") == exc.vi and exc.text("en") == exc.en


def test_unknown_encoding() -> None:
    with pytest.raises(EncodingError) as info:
        decode(b"abc", "koi8-r")
    _both(info.value)
    assert canonical_encoding(" ABC ") == "tcvn3"
    assert canonical_encoding("Windows-1258") == "cp1258"


def test_unencodable_character() -> None:
    with pytest.raises(EncodingError) as info:
        encode("Giá 5 €", "tcvn3")
    _both(info.value)
    assert "€" in info.value.vi
    assert encode("Giá 5 €", "vni", errors="replace") == b"Gia\xf9 5 ?"


def test_undefined_byte() -> None:
    with pytest.raises(EncodingError) as info:
        decode(b"Gia\x80", "vni")
    _both(info.value)
    assert decode(b"Gia\x80", "vni", errors="replace") == "Gia\ufffd"
    with pytest.raises(EncodingError):
        decode(b"\xff\xfe", "utf-8")


def test_missing_and_broken_dbf(tmp_path: Path) -> None:
    with pytest.raises(DbfError) as info:
        read_dbf_text(tmp_path / "none.shp")
    _both(info.value)
    broken = tmp_path / "broken.dbf"
    write_dbf(broken, {"TEN": ["Lương Phong"] * 3}, encoding="vni")
    broken.write_bytes(broken.read_bytes()[:-20])
    with pytest.raises(DbfError) as info:
        read_dbf_text(broken)
    _both(info.value)
    (tmp_path / "tiny.dbf").write_bytes(b"\x03")
    with pytest.raises(GisError):
        read_dbf_text(tmp_path / "tiny.dbf")


def test_no_ui_imports() -> None:
    code = "import sys, gis.files.dbf; print('streamlit' in sys.modules or 'folium' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    assert out.stdout.strip() == "False"
