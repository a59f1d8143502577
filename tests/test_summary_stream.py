"""The summary of a large layer read in parts (gis.files.io.iter_layer, gis.jobs.summary.summarise_folder): the same
frames and the same figures, to the last digit, as reading the whole layer; and ``gis summary`` goes through the land
ledger whenever changes were entered in it.

Real files: the built-in shapefiles, the same layers written as GeoPackages (with a date field), an empty layer, and
the ledger tests' grid of 100 m x 100 m parcels in a real workspace under tmp_path.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gis.__main__ import main
from gis.core.errors import SchemaError
from gis.files.io import BUILTIN_DATA_DIR, LAYERS, iter_layer, load_dataset, parcel_parts, read_layer
from gis.jobs.ledger import asof
from gis.jobs.ledger import changes as ch
from gis.jobs.ledger.opening import open_store
from gis.jobs.summary import FIGURE_FIELDS, fields_keys, summarise, summarise_by, summarise_folder
from tests.test_ledger import E0, N0, grid


def _same_frames(whole: gpd.GeoDataFrame, parts: list[gpd.GeoDataFrame]) -> None:
    joined = pd.concat(parts)
    assert isinstance(joined, gpd.GeoDataFrame) and joined.crs == whole.crs
    assert list(joined.columns) == list(whole.columns) and joined.dtypes.equals(whole.dtypes)
    assert joined.index.equals(whole.index)
    pd.testing.assert_frame_equal(pd.DataFrame(joined.drop(columns="geometry")),
                                  pd.DataFrame(whole.drop(columns="geometry")))
    assert (joined.geometry.to_wkb() == whole.geometry.to_wkb()).all()


@pytest.fixture(scope="module")
def gpkg_folder(tmp_path_factory) -> Path:
    """The built-in layers written as GeoPackages, the parcels with a date field."""
    out = tmp_path_factory.mktemp("gpkg")
    for name in LAYERS:
        path = BUILTIN_DATA_DIR / f"{name}.shp"
        if path.exists():
            frame = read_layer(path)
            if name == "parcels":
                frame["NGAYCAP"] = pd.to_datetime("2020-01-01") + pd.to_timedelta(frame.index % 900, unit="D")
            frame.to_file(out / f"{name}.gpkg")
    return out


def test_a_layer_in_parts_is_the_layer(gpkg_folder):
    shp = BUILTIN_DATA_DIR / "parcels.shp"
    parts = list(iter_layer(shp, batch_rows=4_000))
    assert [len(p) for p in parts] == [4_000, 4_000, 4_000, 2_877]  # 14 877 parcels
    _same_frames(read_layer(shp), parts)
    columns = ["SHBANDO", "SHTHUA", "MALOAIDAT"]
    _same_frames(read_layer(shp, columns=columns), list(iter_layer(shp, columns=columns, batch_rows=5_000)))
    gpkg = gpkg_folder / "parcels.gpkg"
    whole = read_layer(gpkg)
    assert str(whole["NGAYCAP"].dtype).startswith("datetime64")
    _same_frames(whole, list(iter_layer(gpkg, batch_rows=3_000)))
    # the normalised parts are the normalised layer
    _same_frames(load_dataset(gpkg_folder, parcel_fields=FIGURE_FIELDS).parcels,
                 list(parcel_parts(gpkg_folder, parcel_fields=FIGURE_FIELDS, batch_rows=6_000)))


def test_an_empty_layer_is_one_empty_part(tmp_path):
    path = tmp_path / "parcels.gpkg"
    read_layer(BUILTIN_DATA_DIR / "parcels.shp").iloc[:0].to_file(path)
    parts = list(iter_layer(path))
    assert len(parts) == 1 and parts[0].empty
    _same_frames(read_layer(path), parts)


@pytest.mark.parametrize("source", ["builtin", "gpkg"])
def test_the_figures_of_parts_are_those_of_the_whole_to_the_last_digit(source, gpkg_folder):
    folder = BUILTIN_DATA_DIR if source == "builtin" else gpkg_folder
    whole = summarise(load_dataset(folder))
    for rows in (1_000, 7_000, 100_000):
        assert summarise_folder(folder, batch_rows=rows) == (whole, {})  # every float equal, not approximately
    assert whole.parcel_count == 14_877 and whole.concentrated_fields_count == 3 and len(whole.by_village) == 13
    assert 675 <= whole.rice_ha_before_recovery <= 690 and 540 <= whole.rice_ha_after_recovery <= 550


@pytest.fixture
def grid_folder(tmp_path, monkeypatch) -> Path:
    """The ledger tests' grid as a GeoPackage dataset folder with its own workspace; no recovered-land layer."""
    monkeypatch.setenv("LUONGPHONG_WORKSPACE", str(tmp_path / "ws" / "workspace.gpkg"))
    out = tmp_path / "data"
    out.mkdir()
    raw = grid()[["sheet", "parcel_no", "land_use", "owner", "address", "geometry"]]
    raw.rename(columns={"sheet": "SHBANDO", "parcel_no": "SHTHUA", "land_use": "MALOAIDAT", "owner": "TENCHU",
                        "address": "DIACHI"}).to_file(out / "parcels.gpkg")
    (out / "source.json").write_text(json.dumps({"data_date": "2023-12-31"}), encoding="utf-8")
    return out


def _summary(capsys, folder: Path) -> dict:
    assert main(["summary", str(folder), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_command_reads_the_ledger_when_changes_were_entered(grid_folder, capsys):
    rice_m2 = sum(g.area for g, code in zip(grid().geometry, grid()["land_use"], strict=True) if code == "LUC")
    assert rice_m2 == pytest.approx(40_000.0)
    assert asof.as_read(grid_folder)  # no ledger: today's land is the data
    first = _summary(capsys, grid_folder)
    assert first["parcel_count"] == 6 and first["rice_ha_before_recovery"] == pytest.approx(4.0)
    assert not (grid_folder.parent / "ws" / "ledger").exists()  # the summary never seeds a ledger

    data = load_dataset(grid_folder)
    store = open_store(data)
    assert asof.as_read(grid_folder)  # a ledger with its initial state only
    assert _summary(capsys, grid_folder) == first
    with pytest.raises(asof.LedgerError, match="31/12/2023"):
        asof.as_read(grid_folder, dt.date(2023, 12, 30))

    part = shapely.box(E0 - 5, N0 + 100 - 5, E0 + 30, N0 + 205)  # a 30 m strip of 12/4 (rice)
    ch.recover(store, "12/4", part=part, land_use="DGT", owner="UBND xã Hiệp Hòa", date=dt.date(2024, 3, 1),
               decision="88/QĐ-UBND")
    assert not asof.as_read(grid_folder)
    after = _summary(capsys, grid_folder)
    assert after == summarise(asof.dated(data)).as_dict()
    assert after["parcel_count"] == 7  # 12/4 became two parcels
    assert after["rice_ha_before_recovery"] == pytest.approx(4.0)  # the land before the ledger's recovery
    assert after["by_group"]["rice"] == pytest.approx(4.0 - 0.3)


def test_the_built_in_data_in_another_folder_gives_the_same_command_output(tmp_path, capsys):
    copy = tmp_path / "copy"
    shutil.copytree(BUILTIN_DATA_DIR, copy)
    assert _summary(capsys, copy) == summarise(load_dataset(BUILTIN_DATA_DIR)).as_dict()


@pytest.fixture(scope="module")
def units_folder(tmp_path_factory) -> Path:
    """The built-in layers as GeoPackages, the parcels with a former unit (``XA_CU``: by sheet, some none) and, last,
    a copy of the parcel holding a concentrated field's point, of another unit."""
    out = tmp_path_factory.mktemp("units")
    for name in LAYERS:
        path = BUILTIN_DATA_DIR / f"{name}.shp"
        if path.exists() and name != "parcels":
            read_layer(path).to_file(out / f"{name}.gpkg")
    parcels = read_layer(BUILTIN_DATA_DIR / "parcels.shp")
    units = pd.Series(["Lương Phong", "Đông Lỗ", "Danh Thắng", None], dtype=object)
    parcels["XA_CU"] = units.iloc[parcels["SHBANDO"].to_numpy() % 4].to_numpy()
    fields = read_layer(BUILTIN_DATA_DIR / "concentrated_fields.shp").to_crs(parcels.crs)
    point = shapely.point_on_surface(fields.geometry.iloc[0])
    holder = parcels[parcels.contains(point)].iloc[[0]].copy()
    holder["XA_CU"] = "Thị trấn Thắng" if holder["XA_CU"].iloc[0] != "Thị trấn Thắng" else "Đoan Bái"
    holder["SHTHUA"] = 9_999
    assert holder.index[0] < 14_000  # the copy, last, is in another part than the parcel it covers
    pd.concat([parcels, holder], ignore_index=True).to_file(out / "parcels.gpkg")
    return out


def test_the_figures_by_a_field_in_parts_are_those_of_the_whole(units_folder, capsys):
    data = load_dataset(units_folder, parcel_fields=(*FIGURE_FIELDS, "former_unit"))
    whole, parts = summarise(data), summarise_by(data, "former_unit")
    assert sorted(parts) == ["?", "Danh Thắng", "Lương Phong", "Thị trấn Thắng", "Đông Lỗ"] or sorted(parts) == [
        "?", "Danh Thắng", "Lương Phong", "Đoan Bái", "Đông Lỗ"]
    assert sum(p.parcel_count for p in parts.values()) == whole.parcel_count == 14_878
    assert sum(p.concentrated_fields_count for p in parts.values()) == whole.concentrated_fields_count == 3
    extra = next(k for k in parts if k in ("Thị trấn Thắng", "Đoan Bái"))
    assert parts[extra].parcel_count == 1 and parts[extra].concentrated_fields_count == 1  # the later parcel's part
    for rows in (2_000, 50_000):
        assert summarise_folder(units_folder, by="former_unit", batch_rows=rows) == (whole, parts)
    assert main(["summary", str(units_folder), "--json", "--by", "former_unit"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["by"]["former_unit"] == {k: v.as_dict() for k, v in parts.items()}
    with pytest.raises(SchemaError, match="XA_CU|nope"):
        summarise_folder(units_folder, by="nope")


def test_a_field_in_two_parcels_counts_in_the_later_ones_part_whatever_the_order():
    fidx, pidx = np.array([1, 0, 1, 2]), np.array([7, 3, 2, 5])
    keys = np.array(["b", "a", "c", "d"], dtype=object)
    assert fields_keys(4, fidx, pidx, keys).tolist() == ["a", "b", "d", "?"]
    order = np.array([3, 2, 1, 0])
    assert fields_keys(4, fidx[order], pidx[order], keys[order]).tolist() == ["a", "b", "d", "?"]
