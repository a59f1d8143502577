"""A recovery read from a GeoPackage builds only the shapes it uses (gis.files.window): the same figures as a
whole read, on real GeoPackages written to tmp_path with known answers."""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from gis.__main__ import main
from gis.core.errors import GeometryError
from gis.jobs.recovery import recover
from gis.jobs.recovery_files import read_boundary, read_parcels, read_recovery_files

X0, Y0, SIDE = 390_000.0, 2_340_000.0, 20.0  # VN-2000 TM-3 (EPSG:9214), 20 m squares of 400 m²

#: (column, row) -> (owner, village, land use) of the parcels the tests care about; the rest are others'
KNOWN = {
    (0, 0): ("Nguyễn Văn An", "Thôn Đông", "LUC"), (2, 0): ("Nguyễn Văn An", "Thôn Đông", "LUC"),
    (9, 3): ("Nguyễn Văn An", "Thôn Đông", "LUC"),  # far from the project: half of An's farm land
    (1, 0): ("Trần Thị Bình", "Thôn Đông", "LUC"),
    (0, 1): ("UBND xã Lương Phong", "Thôn Đông", "DGT"),
    (1, 1): ("Lê Văn Cường", "Thôn Tây", "ONT"), (8, 3): ("Lê Văn Cường", "Thôn Tây", "HNK"),
    (2, 1): ("Phạm Văn Dũng", "Thôn Tây", "NTS"), (7, 3): ("Phạm Văn Dũng", "Thôn Tây", "LUC"),
    (6, 3): ("Phạm Văn Dũng", "Thôn Tây", "LUC"),
}
#: The project: columns 0-1 of rows 0-1 whole, the left half of column 2 in those rows
PROJECT = shapely.box(X0, Y0, X0 + 2.5 * SIDE, Y0 + 2 * SIDE)


def _parcels(*, crs: int | None = 9214) -> gpd.GeoDataFrame:
    rows = []
    for j in range(4):
        for i in range(10):
            owner, village, code = KNOWN.get((i, j), (f"Hộ {i}-{j}", "Thôn Bắc", "???"))  # others: odd codes
            legal = 400.0 if (i, j) in KNOWN else -5.0  # and areas the report would flag, were they taken
            rows.append({"SHBANDO": 7, "SHTHUA": 10 * j + i + 1, "MALOAIDAT": code, "TENCHU": owner,
                         "DIACHI": village, "DIENTICH": legal,
                         "geometry": shapely.box(X0 + i * SIDE, Y0 + j * SIDE, X0 + (i + 1) * SIDE, Y0 + (j + 1) * SIDE)})
    return gpd.GeoDataFrame(rows, crs=crs)


def _files(tmp_path: Path, *, crs: int | None = 9214, project: shapely.Geometry = PROJECT) -> tuple[Path, Path]:
    parcels, boundary = tmp_path / "thua_dat.gpkg", tmp_path / "ranh_gioi.gpkg"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'crs' was not provided", UserWarning)  # a file without a CRS, on purpose
        pyogrio.write_dataframe(_parcels(crs=crs), parcels, layer="thua_dat")
    pyogrio.write_dataframe(gpd.GeoDataFrame({"TENDUAN": ["Đường liên thôn"]}, geometry=[project], crs=9214),
                            boundary)
    return parcels, boundary


def test_a_geopackage_builds_only_the_shapes_the_recovery_uses_and_gives_the_known_figures(tmp_path: Path):
    parcels_path, boundary_path = _files(tmp_path)
    read = read_recovery_files(parcels_path, boundary_path)
    assert read.windowed
    # only the parcels whose box meets the project's box (rows 0-2, columns 0-2) and the farm parcels of their
    # users, each with its shape, in the file's order
    in_box = {10 * j + i for j in range(3) for i in range(3)}
    assert list(read.parcels.index) == sorted(in_box | {10 * 3 + 9, 10 * 3 + 8, 10 * 3 + 7, 10 * 3 + 6})
    assert read.parcels.geometry.notna().all() and len(read.users.codes) == len(read.parcels)
    assert (read.parcels["map_area_m2"] == 400.0).all()
    assert all(read.parcels[c].dtype == object for c in ("land_use", "owner", "address", "village"))
    result = recover(read.parcels, read.boundary, users=read.users)
    t = result.totals
    assert (t.parcels, t.whole, t.partial, t.slivers, t.area_mismatch) == (6, 4, 2, 0, 0)
    assert t.recovered_m2 == pytest.approx(4 * 400 + 2 * 200)
    owners = result.by_owner.set_index("owner")
    assert owners.loc["Nguyễn Văn An", "farm_m2"] == pytest.approx(1200.0)  # the far parcel counted
    assert owners.loc["Nguyễn Văn An", "farm_share_pct"] == 50.0 and owners.loc["Nguyễn Văn An", "tier"] == "30_70"
    assert owners.loc["Trần Thị Bình", "farm_share_pct"] == 100.0 and owners.loc["Trần Thị Bình", "tier"] == "over_70"
    assert owners.loc["Phạm Văn Dũng", "farm_share_pct"] == 16.7 and owners.loc["Phạm Văn Dũng", "tier"] == ""
    assert owners.loc["Lê Văn Cường", "farm_m2"] == pytest.approx(400.0)  # his house plot is not farm land
    assert not owners.loc["UBND xã Lương Phong", "household"]


def test_the_window_gives_what_a_whole_read_gives(tmp_path: Path):
    parcels_path, boundary_path = _files(tmp_path)
    read = read_recovery_files(parcels_path, boundary_path)
    windowed = recover(read.parcels, read.boundary, users=read.users)
    parcels, notes = read_parcels(parcels_path)
    whole = recover(parcels, read_boundary(boundary_path, crs=parcels.crs))
    assert read.parcels.geometry.notna().sum() < parcels.geometry.notna().sum() == 40
    pd.testing.assert_frame_equal(windowed.table, whole.table)
    for name in ("by_land_use", "by_group", "by_village", "by_owner"):
        pd.testing.assert_frame_equal(getattr(windowed, name), getattr(whole, name))
    assert windowed.totals == whole.totals and windowed.notes == whole.notes
    assert [n.en for n in read.notes] == [n.en for n in notes]


def test_the_command_writes_the_same_csv_from_a_geopackage_as_from_a_shapefile(tmp_path: Path, capsys):
    parcels_path, boundary_path = _files(tmp_path)
    shapefile = tmp_path / "shp" / "thua_dat.shp"
    shapefile.parent.mkdir()
    pyogrio.write_dataframe(_parcels(), shapefile, encoding="utf-8")  # read whole: not a GeoPackage
    assert main(["recovery", str(parcels_path), str(boundary_path), "--out", str(tmp_path / "gpkg.csv")]) == 0
    from_gpkg = capsys.readouterr().out
    assert main(["recovery", str(shapefile), str(boundary_path), "--out", str(tmp_path / "shp.csv")]) == 0
    from_shp = capsys.readouterr().out
    csv = (tmp_path / "gpkg.csv").read_text(encoding="utf-8-sig")
    assert csv == (tmp_path / "shp.csv").read_text(encoding="utf-8-sig")
    assert csv.count("\n") == 1 + 6 and "Nguyễn Văn An" in csv and "Hộ " not in csv
    assert from_gpkg.replace("gpkg.csv", "out.csv") == from_shp.replace("shp.csv", "out.csv")
    assert "2.000,0 m²" in from_gpkg  # 4 whole parcels of 400 m² and 2 halves


def test_a_geopackage_without_a_crs_is_placed_from_the_province_and_read_whole(tmp_path: Path):
    parcels_path, boundary_path = _files(tmp_path, crs=None)
    read = read_recovery_files(parcels_path, boundary_path, province="Bắc Giang")
    assert not read.windowed and read.parcels.geometry.notna().all()
    assert recover(read.parcels, read.boundary).totals.recovered_m2 == pytest.approx(2000.0)


def test_a_boundary_away_from_the_parcels_names_the_whole_layers_extent(tmp_path: Path):
    away = shapely.box(X0 + 5_000, Y0 + 5_000, X0 + 5_100, Y0 + 5_100)
    parcels_path, boundary_path = _files(tmp_path, project=away)
    read = read_recovery_files(parcels_path, boundary_path)
    with pytest.raises(GeometryError) as err:
        recover(read.parcels, read.boundary)
    assert "390,000, 2,340,000, 390,200, 2,340,080" in err.value.en  # every parcel's extent, not a window's


def test_the_tiers_of_many_households_are_those_of_one_at_a_time():
    from gis.core.recovery_settings import load_settings
    from gis.jobs.recovery_users import tier_of, tiers_of

    settings = load_settings()
    shares = [0.0, 29.9, 30.0, 30.1, 50.0, 69.9, 70.0, 70.1, 99.9, 100.0]
    assert tiers_of(shares, settings=settings).tolist() == [tier_of(s, settings=settings) for s in shares]
    tiers = tiers_of(shares, settings=settings).tolist()
    assert (tiers[1], tiers[2], tiers[6], tiers[7]) == ("", "30_70", "30_70", "over_70")  # both bounds in 30-70


def test_a_legacy_encoded_geopackage_of_two_layers_reads_as_a_whole_read_does(tmp_path: Path):
    from vn_files import as_windows_font

    from gis.files.codecs import encode

    def mojibake(text: str) -> str:  # TCVN3 bytes shown in a Windows font, as old conversions left them
        return as_windows_font(encode(text, "tcvn3"))

    frame = _parcels().rename(columns={"SHBANDO": "SoHieuToBanDo", "SHTHUA": "SoThuTuThua"})
    frame["TENCHU"] = frame["TENCHU"].map(mojibake)
    frame["DIACHI"] = frame["DIACHI"].map(mojibake)
    parcels_path, boundary_path = _files(tmp_path)
    parcels_path = tmp_path / "cu.gpkg"
    pyogrio.write_dataframe(frame, parcels_path, layer="ThuaDat")
    pyogrio.write_dataframe(frame.iloc[:1].assign(geometry=frame.geometry.iloc[:1].centroid), parcels_path,
                            layer="Diem")
    read = read_recovery_files(parcels_path, boundary_path)
    assert read.windowed
    windowed = recover(read.parcels, read.boundary, users=read.users)
    parcels, notes = read_parcels(parcels_path)  # no "More than one layer found" warning: each layer is asked
    whole = recover(parcels, read_boundary(boundary_path, crs=parcels.crs))
    assert "Nguyễn Văn An" in set(windowed.by_owner["owner"])  # decoded from TCVN3
    pd.testing.assert_frame_equal(windowed.table, whole.table)
    pd.testing.assert_frame_equal(windowed.by_owner, whole.by_owner)
    assert windowed.totals == whole.totals and [n.en for n in read.notes] == [n.en for n in notes]


def test_names_folded_many_at_once_fold_as_one_at_a_time():
    import numpy as np

    from gis.jobs.recovery_users import (
        _VI_LETTERS,
        ORGANISATION_PREFIXES,
        _fold_many,
        _folded,
        is_organisation,
        organisations,
    )

    every_letter = "".join(chr(c) for c in range(0x20, 0x7F)) + _VI_LETTERS + _VI_LETTERS.upper()
    names = [every_letter, "  Nguyễn   Văn  ƯỚC ", "NGUYỄN VĂN ƯỚC", "Nguye\u0302\u0303n Văn An",  # decomposed
             "Hộ\tông\nBình", "Hộ\u00a0Bình", "Straße", "İnci", "ǰ", "ﬁne", "", "   ", "UBND xã Lương Phong",
             "ủy ban nhân dân xã", "Uỷ Ban Nhân Dân", "Trường", "Trường THCS", "Trườngsa", "CHÙA  Bổ Đà",
             "Cty TNHH A", "HTX", "htx nông nghiệp", "Hộ Đình Văn", "Đình làng", " đình", "Ｕbnd",
             *[p.upper() + " X" for p in ORGANISATION_PREFIXES]]
    values = np.array(names, dtype=object)
    assert _fold_many(values) == [_folded(n) for n in names]
    assert organisations(values).tolist() == [is_organisation(n) for n in names]
    assert sum(organisations(values).tolist()) >= len(ORGANISATION_PREFIXES)
    mixed = np.array(["An", None, 12.0, float("nan")], dtype=object)  # not all texts: value by value
    assert _fold_many(mixed) == [_folded(v) for v in mixed]
    assert organisations(mixed).tolist() == [False] * 4


def test_formula_like_cells_are_found_many_at_once_as_one_at_a_time():
    from gis.core.spreadsheet import _any_formula_like, formula_like

    cases = [["An", "Bình"], ["An", " =HYPERLINK(1)"], ["\u00a0\u3000@SUM(1)"], ["＝1"], ["x", "\tcmd"], ["  "], [""],
             ["-3"], ["a\ud800"], [1, "=a"], [1.5, None], ["Bình", "\r"], [" \u00a0b="], ["+84 912"]]
    assert [_any_formula_like(c) for c in cases] == [any(formula_like(v) for v in c) for c in cases]


def _mojibake(text: str) -> str:
    """TCVN3 bytes shown in a Windows font, as old conversions left them."""
    from vn_files import as_windows_font

    from gis.files.codecs import encode

    return as_windows_font(encode(text, "tcvn3"))


def _window_and_whole(parcels_path: Path, boundary_path: Path):
    read = read_recovery_files(parcels_path, boundary_path)
    assert read.windowed
    windowed = recover(read.parcels, read.boundary, users=read.users)
    parcels, _ = read_parcels(parcels_path)
    whole = recover(parcels, read_boundary(boundary_path, crs=parcels.crs))
    pd.testing.assert_frame_equal(windowed.table, whole.table)
    for name in ("by_land_use", "by_group", "by_village", "by_owner"):
        pd.testing.assert_frame_equal(getattr(windowed, name), getattr(whole, name))
    assert windowed.totals == whole.totals and windowed.owner_identity == whole.owner_identity
    return read, windowed


@pytest.mark.parametrize("spelling", ["tcvn3", "nfd"])
def test_two_spellings_of_one_land_user_are_one_user_in_the_window_as_in_a_whole_read(tmp_path: Path, spelling):
    import unicodedata

    frame = _parcels()
    far = frame["SHTHUA"] == 10 * 3 + 9 + 1  # An's farm parcel far from the project: half of his farm land
    if spelling == "tcvn3":  # the layer in TCVN3, the far parcel typed again in Unicode: both repair to one name
        frame["TENCHU"] = frame["TENCHU"].map(_mojibake)
        frame["DIACHI"] = frame["DIACHI"].map(_mojibake)
        frame.loc[far, ["TENCHU", "DIACHI"]] = ["Nguyễn Văn An", "Thôn Đông"]
    else:  # decomposed letters (NFD), as some Mac exports write them
        frame.loc[far, "TENCHU"] = unicodedata.normalize("NFD", "Nguyễn Văn An")
    names = set(frame.loc[frame["SHTHUA"].isin([1, 3, 40]), "TENCHU"])
    assert len(names) == 2  # two raw spellings of An's name
    parcels_path, boundary_path = _files(tmp_path)
    pyogrio.write_dataframe(frame, parcels_path, layer="thua_dat")
    read, result = _window_and_whole(parcels_path, boundary_path)
    assert 39 in read.parcels.index  # the far parcel kept, as An's farm land
    owners = result.by_owner.set_index("owner")
    assert owners.loc["Nguyễn Văn An", "farm_m2"] == pytest.approx(1200.0)
    assert owners.loc["Nguyễn Văn An", "farm_share_pct"] == 50.0 and owners.loc["Nguyễn Văn An", "tier"] == "30_70"


def test_a_land_user_by_citizen_id_in_two_villages_lists_them_as_they_come_in_the_window_as_in_a_whole_read(
        tmp_path: Path):
    frame = _parcels()
    an = frame["TENCHU"] == "Nguyễn Văn An"  # parcels 1 and 3 (taken: whole and half) and 40 (far)
    frame["CCCD"] = None
    frame.loc[an, "CCCD"] = ["001 090 000 123", "001090000123", "001090000123"]  # spaces ignored
    frame.loc[frame["SHTHUA"] == 3, "DIACHI"] = "Thôn Tây"  # his second parcel taken is in another village
    parcels_path, boundary_path = _files(tmp_path)
    pyogrio.write_dataframe(frame, parcels_path, layer="thua_dat")
    read, result = _window_and_whole(parcels_path, boundary_path)
    assert result.owner_identity == "citizen_id"
    owners = result.by_owner.set_index("owner_id")
    an_row = owners.loc["citizen_id:001090000123"]
    assert an_row["village"] == "Đông; Tây"  # in the order of his parcels, not sorted (Đ sorts after T)
    assert an_row["parcels"] == 2 and an_row["recovered_m2"] == pytest.approx(600.0)
    assert an_row["farm_m2"] == pytest.approx(1200.0) and an_row["farm_share_pct"] == 50.0
    assert owners.loc[owners["owner"] == "Trần Thị Bình"].index.tolist() == ["name:trần thị bình|thôn đông"]
