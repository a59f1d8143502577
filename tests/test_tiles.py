"""The parcel vector tiles (``gis/jobs/tiles.py``) and the routes that serve them (``serve.py``), on real data.

Tiles are built by GDAL's MVT driver from a part of the built-in commune into the test's folder and read back
with GDAL (pyogrio) to check what they hold; the routes are called with real Starlette requests.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import json
from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from starlette.requests import Request

from gis.core.errors import DataSourceError
from gis.core.limits import limits
from gis.files.io import load_dataset
from gis.jobs import tiles


@pytest.fixture(scope="module")
def parcels():
    """The first 300 parcels of the built-in commune (their own small tile set)."""
    return load_dataset().parcels.iloc[:300].copy()


@pytest.fixture(scope="module")
def built(parcels, tmp_path_factory) -> tiles.TileSet:
    return tiles.ensure_tiles(parcels, tmp_path_factory.mktemp("tiles"))


def test_feature_properties_give_integers_for_sheet_and_number_and_the_codes_as_written():
    frame = pd.DataFrame({"sheet": ["12", "12a", 7.0, None], "parcel_no": [5, 6, "7", "x"],
                          "land_use": ["ONT+CLN", None, "LUC", "NTS"], "village": ["Chùa", "Chùa", None, "Tứ"],
                          "group": ["residential", None, "rice", "aquaculture"]})
    props = tiles.feature_properties(frame)
    assert props["fid"].tolist() == [0, 1, 2, 3]
    assert props["s"].tolist() == [12, None, 7, None] and props["n"].tolist() == [5, 6, 7, None]
    assert props["c"].tolist() == ["ONT+CLN", None, "LUC", "NTS"]
    assert props["v"].tolist() == ["Chùa", "Chùa", None, "Tứ"]
    assert tiles.feature_properties(frame, [2]).iloc[0].to_dict() == {
        "fid": 2, "s": 7, "n": 7, "c": "LUC", "v": None, "g": "rice"}


def test_a_clicked_feature_finds_its_parcel_only_with_the_same_sheet_and_number(parcels):
    label = parcels.index[42]
    row = parcels.loc[label]
    props = {"fid": 42, "s": int(row["sheet"]), "n": int(row["parcel_no"])}
    assert tiles.feature_label(parcels, props) == label
    assert tiles.feature_label(parcels, {**props, "n": props["n"] + 1}) is None  # a stale page
    assert tiles.feature_label(parcels, {**props, "fid": len(parcels)}) is None
    assert tiles.feature_label(parcels, {**props, "fid": True}) is None
    assert tiles.feature_label(parcels, {**props, "fid": "42"}) is None


def test_the_tiles_hold_every_parcel_with_its_attributes_at_its_place(parcels, built):
    assert built.features == len(parcels) and built.tiles > 0
    assert (built.min_zoom, built.max_zoom) == (tiles.MIN_ZOOM, tiles.MAX_ZOOM)
    files = sorted(built.folder.glob(f"{tiles.MAX_ZOOM}/*/*.pbf"))
    assert files and all(f.read_bytes()[:2] == b"\x1f\x8b" for f in files)  # gzip, served as such
    seen = pd.concat([pyogrio.read_dataframe(f, layer=tiles.LAYER) for f in files])
    assert set(seen["fid"]) == set(range(len(parcels)))  # every parcel, in some tile
    expected = tiles.feature_properties(parcels).set_index("fid")
    one = seen[seen["fid"] == 42].iloc[0]
    assert (one["s"], one["n"], one["c"], one["v"], one["g"]) == tuple(expected.loc[42, ["s", "n", "c", "v", "g"]])
    # the tile named for the parcel's place (x/y of the standard web-map grid) holds it, where it is
    point = gpd.GeoSeries([parcels.geometry.iloc[42].representative_point()], crs=parcels.crs).to_crs(4326).iloc[0]
    lng, lat = point.x, point.y
    x, y, _, _ = tiles.tile_range((lng, lat, lng, lat), tiles.MAX_ZOOM)
    tile = pyogrio.read_dataframe(built.folder / str(tiles.MAX_ZOOM) / str(x) / f"{y}.pbf", layer=tiles.LAYER)
    at = gpd.GeoSeries([shapely.Point(lng, lat)], crs=4326).to_crs(3857).iloc[0]
    assert tile[tile["fid"] == 42].geometry.buffer(0.5).contains(at).any()  # within half a metre (tile units)


def test_the_overview_zooms_hold_land_uses_not_parcels(parcels, built):
    # one shape per land use, village and group: the union of exactly those parcels (the same area), no fid
    frame = gpd.GeoDataFrame(tiles.feature_properties(parcels), geometry=parcels.geometry.to_numpy(), crs=parcels.crs)
    overview = tiles.overview_frame(frame)
    assert sorted(overview.columns) == ["c", "g", "geometry", "v"]
    combos = frame[["c", "v", "g"]].astype(str).drop_duplicates()
    assert len(overview) == len(combos) < len(parcels) / 3
    code, village, group = frame.iloc[42][["c", "v", "g"]]
    mine = frame[(frame["c"] == code) & (frame["v"] == village) & (frame["g"] == group)]
    shape = overview[(overview["c"] == code) & (overview["v"] == village) & (overview["g"] == group)]
    assert len(shape) == 1 and len(mine) > 1
    assert shape.geometry.iloc[0].area == pytest.approx(mine.geometry.area.sum(), rel=1e-6)
    assert overview.geometry.area.sum() == pytest.approx(parcels.geometry.area.sum(), rel=1e-6)
    # and those are what the tiles of the overview zooms hold
    files = sorted(built.folder.glob(f"{tiles.OVERVIEW_MAX_ZOOM}/*/*.pbf"))
    seen = pd.concat([pyogrio.read_dataframe(f, layer=tiles.LAYER) for f in files])
    # (GDAL reads the layer's fields from the set's description: the parcels' fields, empty here)
    assert len(seen) >= len(overview) and seen["fid"].isna().all() and seen["n"].isna().all()
    assert set(seen["c"]) == set(frame["c"].dropna())
    assert sorted(built.folder.glob(f"{tiles.MIN_ZOOM}/*/*.pbf"))


def test_the_key_follows_the_content_not_the_files(parcels, built):
    assert tiles.content_key(parcels.copy()) == built.key
    recoded = parcels.copy()
    recoded.loc[recoded.index[0], "land_use"] = "NTS" if recoded["land_use"].iloc[0] != "NTS" else "LUC"
    moved = parcels.copy()
    moved.geometry = moved.geometry.translate(0.5, 0)
    assert len({built.key, tiles.content_key(recoded), tiles.content_key(moved)}) == 3


def test_tiles_are_built_once_and_again_when_the_data_changes(parcels, built):
    root = built.folder.parent
    stamp = (built.folder / tiles.INFO_FILE).stat().st_mtime_ns
    again = tiles.ensure_tiles(parcels.copy(), root)
    assert again == built and (built.folder / tiles.INFO_FILE).stat().st_mtime_ns == stamp
    changed = parcels.iloc[:50].copy()
    other = tiles.ensure_tiles(changed, root)
    assert other.key != built.key and other.features == 50 and other.folder.parent == root
    assert not list(root.glob("*.building-*"))  # no partial build left behind


def test_the_cache_keeps_a_bounded_number_of_tile_sets(parcels, tmp_path):
    root = tmp_path / "tiles"
    keys = [tiles.ensure_tiles(parcels.iloc[i:i + 5].copy(), root).key for i in range(tiles.MAX_CACHED_SETS + 2)]
    left = sorted(p.name for p in root.iterdir() if p.is_dir())
    assert len(left) == tiles.MAX_CACHED_SETS and keys[-1] in left


def test_a_layer_over_the_limits_is_refused_before_anything_is_built(parcels, tmp_path):
    small = dataclasses.replace(limits(), features=100)
    with pytest.raises(DataSourceError) as err:
        tiles.ensure_tiles(parcels, tmp_path, lim=small)
    assert "«features»" in err.value.vi and "'features'" in err.value.en and "300" in err.value.en
    few_vertices = dataclasses.replace(limits(), vertices=50)
    with pytest.raises(DataSourceError, match="'vertices'"):
        tiles.ensure_tiles(parcels, tmp_path, lim=few_vertices)
    assert not any(tmp_path.iterdir())


def test_stored_layers_are_named_by_their_content(tmp_path):
    text = json.dumps({"legend": "<b>Chú giải</b>"}, ensure_ascii=False)
    name = tiles.store_layer(text, tmp_path)
    assert tiles.store_layer(text, tmp_path) == name != tiles.store_layer(text + " ", tmp_path)
    path = tiles.layer_file(tmp_path, name)
    assert path is not None and gzip.decompress(path.read_bytes()).decode() == text
    assert tiles.layer_file(tmp_path, "../../etc/passwd") is None


def _get(endpoint, **params):
    """The endpoint's response to a GET with these path parameters (run in a thread of its own: the browser
    tests of the same session keep an event loop running in this one)."""
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": [], "path_params": params})
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(endpoint(request))).result()


def test_the_app_serves_tiles_and_layers_from_the_cache(built, monkeypatch):
    import serve

    monkeypatch.setenv("LUONGPHONG_TILE_CACHE", str(built.folder.parent))
    tile = sorted(built.folder.glob(f"{tiles.MAX_ZOOM}/*/*.pbf"))[0]
    z, x, y = int(tile.parent.parent.name), int(tile.parent.name), int(tile.stem)
    response = _get(serve.parcel_tile, key=built.key, z=z, x=x, y=y)
    assert response.status_code == 200 and response.body == tile.read_bytes()
    assert response.headers["content-encoding"] == "gzip" and "immutable" in response.headers["cache-control"]
    assert response.headers["content-type"] == "application/x-protobuf"
    assert _get(serve.parcel_tile, key=built.key, z=z, x=0, y=0).status_code == 204  # no parcel there
    assert _get(serve.parcel_tile, key="0" * 24, z=z, x=x, y=y).status_code == 404  # no such tile set
    assert _get(serve.parcel_tile, key=built.key, z=tiles.MAX_ZOOM + 1, x=x, y=y).status_code == 404
    assert _get(serve.parcel_tile, key="../" + built.key, z=z, x=x, y=y).status_code == 404
    name = tiles.store_layer('{"k": []}', built.folder.parent)
    layer = _get(serve.map_layer, name=name)
    assert layer.status_code == 200 and gzip.decompress(layer.body) == b'{"k": []}'
    assert _get(serve.map_layer, name="f" * 24).status_code == 404
