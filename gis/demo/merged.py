"""The merged commune "xã Hiệp Hòa (mới)" as a second demonstration dataset: five former units, generated.

Since 1 July 2025 thị trấn Thắng and the communes Lương Phong, Đông Lỗ, Đoan Bái and Danh Thắng form xã Hiệp
Hòa, tỉnh Bắc Ninh (Nghị quyết 1658/NQ-UBTVQH15). This module writes that commune as one dataset folder:

- the Lương Phong part is the built-in data, parcel for parcel (the layers of ``data/shapefiles`` that
  :func:`gis.demo.builtin.generate` writes), so every figure of the 2024 plan still holds there;
- the other four units are generated from their outlines in the 2009 census map
  (``data/reference/hiep-hoa-communes-2009.geojson``) with the same machinery (village cores, the field grid
  of roads and canals, strips of rice, pond and garden cells, residential lots, road and canal parcels,
  noded so neighbours share vertices), parameterised per unit; thị trấn Thắng has a dense town centre of
  small urban lots (ODT) and streets. Where outlines overlap, Lương Phong keeps its own and the others are
  cut in the order of :data:`UNITS`; the holes the coarse outlines leave between units go to the unit that
  borders them most.

Everything but the outlines is invented, the villages' names included (thôn and tổ dân phố names here are
made up; any likeness to a real one is chance). The generator is deterministic (one seed per unit). Every
parcel carries its former unit in ``XA_CU`` (the internal field ``former_unit``) and that unit's GSO code in
``MAXA``, so sheet and parcel numbers, which restart in each unit as real cadastres do, stay unique per unit.

The folder holds GeoPackages (read with Arrow as fast as GeoParquet here, and readable by QGIS and by
:func:`gis.files.io.load_dataset` with no change) and a ``dataset.json``. It is generated on first use by
:func:`ensure` into :func:`default_folder` (the cache folder, git-ignored), or by
``python -m gis generate-demo --dataset hiep-hoa [--out DIR]``; nothing is generated on import.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point, Polygon

from gis.core.crs import LUONG_PHONG_EPSG
from gis.demo import builtin as builtin_demo
from gis.demo import cadastre, shapes

#: The name of the dataset folder (and of the dataset, for ``gis datasets``).
NAME = "hiep-hoa"
#: Bump when the generated data changes, so a cached copy of an older version is written again.
VERSION = 1
#: The dataset's description, the shape of ``data/shapefiles/dataset.json``.
META = {
    "name": "Dữ liệu minh họa — xã Hiệp Hòa (mới): Thắng, Lương Phong, Đông Lỗ, Đoan Bái, Danh Thắng",
    "name_en": "Demonstration data — Hiệp Hòa commune (new): Thắng, Lương Phong, Đông Lỗ, Đoan Bái, Danh Thắng",
    "admin_unit": {
        "current": {"level": "xã", "name": "Hiệp Hòa", "province": "Bắc Ninh", "commune_code": "07840",
                    "province_code": "24"},
        "former": None,
    },
}


@dataclass(frozen=True)
class Unit:
    """A former unit to generate: its census id, names, GSO code, grid angle, villages and town centre."""

    census_id: int
    level: str
    name: str
    code: str
    seed: int
    angle_deg: float
    #: (name, core area in ha); placed inside the unit by the generator.
    villages: tuple[tuple[str, float], ...]
    #: The village word in addresses and names: "Thôn", or "Tổ dân phố" in a town.
    prefix: str = "Thôn"
    #: A dense town centre (urban lots, streets) around this many ha of the unit's middle, 0 for none.
    town_ha: float = 0.0

    @property
    def label(self) -> str:
        return f"{self.level} {self.name}"


LUONG_PHONG = Unit(cadastre.COMMUNE_ID, "xã", "Lương Phong", cadastre.COMMUNE_CODE, builtin_demo.SEED, builtin_demo.GRID_ANGLE_DEG, ())
#: The four units generated here, in the order their outlines are cut (village names invented).
UNITS: tuple[Unit, ...] = (
    Unit(2210901, "thị trấn", "Thắng", "07840", 101, 12.0,
         (("Trung Tâm", 9.0), ("Đông Bắc", 8.0), ("Tây Bắc", 8.0), ("Đông Nam", 7.0), ("Tây Nam", 7.0),
          ("Bến Xe", 6.0)), prefix="Tổ dân phố", town_ha=38.0),
    Unit(2210937, "xã", "Danh Thắng", "07861", 137, 16.0,
         (("Danh Thượng", 22.0), ("Danh Hạ", 20.0), ("Đồng Tiến", 17.0), ("Ngọc Lâm", 16.0), ("Thanh Cao", 15.0),
          ("Bãi Ải", 14.0), ("Tân Sơn", 13.0))),
    Unit(2210939, "xã", "Đoan Bái", "07867", 139, 11.0,
         (("Đoan Thượng", 21.0), ("Đoan Hạ", 20.0), ("Bái Thượng", 19.0), ("Bái Hạ", 18.0), ("Cẩm Trung", 16.0),
          ("Xuân Trung", 15.0), ("Trung Đồng", 14.0), ("Hòa Lâm", 13.0))),
    Unit(2210945, "xã", "Đông Lỗ", "07879", 145, 18.0,
         (("Lỗ Thượng", 22.0), ("Lỗ Hạ", 21.0), ("Đông Thịnh", 20.0), ("Yên Thịnh", 18.0), ("An Phú", 17.0),
          ("Trung Thành", 16.0), ("Phú Thọ", 16.0), ("Hòa Bình", 15.0), ("Tiền Phong", 14.0), ("Quyết Tiến", 13.0),
          ("Tân Lập", 12.0))),
)
ALL_UNITS = (LUONG_PHONG, *UNITS)
#: The internal parcel field naming the former unit, and its column in the files.
FORMER_FIELD, FORMER_COLUMN = "former_unit", "XA_CU"


def default_folder() -> Path:
    """Where the dataset is generated on first use: ``$LUONGPHONG_CACHE/hiep-hoa``, else ``hiep-hoa`` in
    :func:`gis.core.paths.default_cache_dir` (``.cache/`` in a checkout, git-ignored)."""
    from gis.core.paths import default_cache_dir

    base = os.environ.get("LUONGPHONG_CACHE")
    return (Path(base) if base else default_cache_dir()) / NAME


def unit_outlines(outline_source: Path) -> dict[int, shapely.Geometry]:
    """The territory of each former unit: the census outlines, made into one coverage without holes.

    Lương Phong keeps its outline as the built-in data has it; the others are cut from what is left in the
    order of :data:`UNITS`; the holes between the coarse outlines are given to the generated unit sharing
    the longest edge with them.
    """
    district = builtin_demo.commune_outlines(outline_source).set_index("commune_id")
    lp = shapely.set_precision(district.geometry[cadastre.COMMUNE_ID], 0.001)
    whole = shapely.union_all([district.geometry[u.census_id] for u in ALL_UNITS])
    whole = shapely.Polygon(max(getattr(whole, "geoms", [whole]), key=lambda g: g.area).exterior)
    taken = lp
    out: dict[int, shapely.Geometry] = {cadastre.COMMUNE_ID: lp}
    for unit in UNITS:
        own = shapely.difference(district.geometry[unit.census_id], taken)
        own = shapely.set_precision(own, 0.001)
        out[unit.census_id] = shapely.union_all([g for g in shapely.get_parts(own) if g.geom_type == "Polygon"])
        taken = shapely.union(taken, own)
    rest = shapely.difference(whole, taken)
    for hole in shapely.get_parts(rest):
        if hole.area < 1.0:
            continue
        near = hole.buffer(1.0)  # the area of this 1 m collar inside a unit measures the edge they share
        shared = {u.census_id: shapely.intersection(near, out[u.census_id]).area for u in UNITS}
        best = max(shared, key=lambda k: shared[k])
        if shared[best] > 0:
            out[best] = shapely.set_precision(shapely.union(out[best], hole), 0.001)
    for unit in UNITS:  # the largest part only: crumbs of a coarse outline are not a commune
        geom = out[unit.census_id]
        out[unit.census_id] = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
    return out


def _village_seeds(rng: np.random.Generator, poly: shapely.Geometry, n: int) -> np.ndarray:
    """``n`` points spread inside ``poly`` (best of many candidates, farthest from those chosen)."""
    inner = poly.buffer(-180) if poly.buffer(-180).area > poly.area * 0.2 else poly.buffer(-40)
    minx, miny, maxx, maxy = inner.bounds
    cand = np.column_stack([rng.uniform(minx, maxx, 4000), rng.uniform(miny, maxy, 4000)])
    cand = cand[shapely.contains_xy(inner, cand[:, 0], cand[:, 1])]
    centre = np.array([inner.centroid.x, inner.centroid.y])
    chosen = [cand[int(np.argmin(np.hypot(*(cand - centre).T)))]]
    while len(chosen) < n:
        d = np.min(np.hypot(cand[:, None, 0] - np.array(chosen)[None, :, 0],
                            cand[:, None, 1] - np.array(chosen)[None, :, 1]), axis=1)
        chosen.append(cand[int(np.argmax(d))])
    return np.array(chosen)


def _field_uses(rng: np.random.Generator, core_dist: np.ndarray, area: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Land use and crop of each field piece by its distance to the village cores."""
    n = len(core_dist)
    use = np.full(n, "LUC", dtype=object)
    crop = np.full(n, "Lúa 2 vụ", dtype=object)
    draw = rng.random(n)
    near, mid, far = core_dist < 120, (core_dist >= 120) & (core_dist < 300), core_dist > 700
    big = area > 1500
    choices = [(near & big & (draw < 0.18), "NTS", "Cá"), (near & (draw >= 0.18) & (draw < 0.34), "CLN", "Cây ăn quả"),
               (near & (draw >= 0.34) & (draw < 0.48), "HNK", "Rau màu"), (mid & (draw < 0.06), "HNK", "Lạc"),
               (mid & big & (draw >= 0.06) & (draw < 0.09), "NTS", "Cá"),
               (~near & ~mid & big & (draw < 0.02), "CNT", ""), (~near & (draw >= 0.985), "NTD", "")]
    for mask, code, name in reversed(choices):
        use[mask], crop[mask] = code, name
    remote = (use == "LUC") & far
    use[remote], crop[remote] = "LUK", "Lúa 1 vụ"
    return use, crop


def generate_unit(unit: Unit, territory: shapely.Geometry) -> gpd.GeoDataFrame:
    """The parcels of one former unit (internal columns: ``use``, ``crop``, ``village``, ``kind``, ``note``)."""
    rng = np.random.default_rng(unit.seed)
    frame = shapes.Frame(origin=(territory.centroid.x, territory.centroid.y), angle=unit.angle_deg)
    names = [v[0] for v in unit.villages]
    seeds = _village_seeds(rng, territory, len(names))
    inner = territory.buffer(-25)
    cores = [shapes.blob(rng, (x, y), ha * builtin_demo.CORE_SCALE * 10_000) for (x, y), (_, ha) in zip(seeds, unit.villages,
                                                                                              strict=True)]
    town = Polygon()
    if unit.town_ha:
        town = shapely.intersection(shapes.blob(rng, tuple(seeds[0]), unit.town_ha * 10_000), inner)
    cores = [shapely.intersection(c, inner) for c in cores]
    cores = [max(getattr(c, "geoms", [c]), key=lambda g: g.area) if not c.is_empty else c for c in cores]
    core_union = shapely.union_all([*cores, town])

    commune_roads = [LineString([seeds[i], seeds[j]]) for i, j in shapes.mst_edges(seeds)] if len(seeds) > 1 else []
    local = frame.to_local(territory)
    lminx, lminy, lmaxx, lmaxy = local.bounds
    field_zone = local.difference(frame.to_local(core_union).buffer(8))
    x0, y0, px, py = lminx - 37.0, lminy - 21.0, 205.0, 135.0
    vroads = [LineString([(x0 + i * px, lminy - 50), (x0 + i * px, lmaxy + 50)])
              for i in range(int((lmaxx - x0) / px) + 2)]
    hroads: list[LineString] = []
    hcanals: list[LineString] = []
    hmain: list[LineString] = []
    for j in range(int((lmaxy - y0) / py) + 2):
        line = LineString([(lminx - 50, y0 + j * py), (lmaxx + 50, y0 + j * py)])
        (hroads if j % 2 == 0 else hmain if j % 6 == 1 else hcanals).append(line)
    field_roads = frame.to_real(shapely.intersection(shapely.union_all(vroads + hroads), field_zone))
    field_canals = frame.to_real(shapely.intersection(shapely.union_all(hcanals), field_zone))
    main_canals = frame.to_real(shapely.intersection(shapely.union_all(hmain), field_zone))
    lanes = []
    for core in [*cores, town]:
        if core.is_empty:
            continue
        lc = frame.to_local(core)
        cminx, cminy, cmaxx, cmaxy = lc.bounds
        sx, sy = (44.0, 30.0) if core is town else (72.0, 52.0)
        xs = np.arange(cminx - rng.uniform(0, sx), cmaxx + sx, sx)
        ys = np.arange(cminy - rng.uniform(0, sy), cmaxy + sy, sy)
        lines = [LineString([(x, cminy - 10), (x, cmaxy + 10)]) for x in xs]
        lines += [LineString([(cminx - 10, y), (cmaxx + 10, y)]) for y in ys]
        lanes.append(frame.to_real(shapely.intersection(shapely.union_all(lines), lc)))
    roads_poly = shapely.union_all([
        shapes.corridor(commune_roads, 8.0) if commune_roads else Polygon(),
        field_roads.buffer(2.5, cap_style="flat", join_style="mitre"),
        *[lane.buffer(2.0, cap_style="flat", join_style="mitre") for lane in lanes],
    ]).intersection(territory)
    canals_poly = shapely.union_all([
        main_canals.buffer(4.5, cap_style="flat", join_style="mitre"),
        field_canals.buffer(2.5, cap_style="flat", join_style="mitre"),
    ]).intersection(territory).difference(roads_poly)
    land = territory.difference(roads_poly).difference(canals_poly)

    records: list[dict] = []

    def emit(parts, **attrs):
        for g in parts:
            records.append({"geometry": frame.to_real(g), **attrs})

    def village_of(pt: Point) -> int:
        return int(np.argmin(np.hypot(seeds[:, 0] - pt.x, seeds[:, 1] - pt.y)))

    field_pieces, res_pieces = [], []
    for block in [g for g in getattr(land, "geoms", [land]) if g.area > 0.01]:
        for g in shapely.get_parts(block.difference(core_union)):
            if isinstance(g, Polygon) and g.area > 0.01:
                field_pieces.append(g)
        for g in shapely.get_parts(block.intersection(core_union)):
            if isinstance(g, Polygon) and g.area > 0.01:
                res_pieces.append(g)

    fp = np.array(field_pieces, dtype=object)
    points = shapely.point_on_surface(fp)
    core_geoms = np.array([c for c in cores if not c.is_empty], dtype=object)
    core_dist = np.min(np.stack([shapely.distance(c, fp) for c in core_geoms]), axis=0) if len(fp) else np.array([])
    uses, crops = _field_uses(rng, core_dist, shapely.area(fp))
    for g, pt, use, crop in zip(fp, points, uses, crops, strict=True):
        lg = frame.to_local(g)
        if use in ("LUC", "LUK"):  # a little narrower than Lương Phong's: the other units' fields are more split
            parts = shapes.merge_small(shapes.strips(rng, lg, low=8, high=19, row_depth=55), 220)
        elif use == "HNK":
            parts = shapes.merge_small(shapes.strips(rng, lg, low=10, high=24, row_depth=62), 200)
        elif use == "NTS":
            parts = shapes.merge_small(shapes.cells(rng, lg, cell_x=55, cell_y=45), 900)
        elif use == "CLN":
            parts = shapes.merge_small(shapes.cells(rng, lg, cell_x=52, cell_y=62), 500)
        elif use == "CNT":
            parts = shapes.merge_small(shapes.cells(rng, lg, cell_x=75, cell_y=62), 1500)
        else:
            parts = [lg]
        emit(parts, use=use, crop=crop, village=names[village_of(pt)], kind="field", note="")

    # residential: urban lots in the town centre, village lots elsewhere, a hall and some gardens per village
    halls: set[int] = set()
    facilities = [("TSC", f"Trụ sở UBND {unit.label} (cũ)"), ("DGD", f"Trường Tiểu học {unit.name}"),
                  ("DYT", f"Trạm y tế {unit.name}"), ("DGD", f"Trường Mầm non {unit.name}"),
                  ("DCH", f"Chợ {unit.name}")]
    order = sorted(range(len(res_pieces)), key=lambda i: -res_pieces[i].area)
    special: dict[int, tuple[str, str]] = {}
    for i in order:
        if res_pieces[i].area < 1800:
            break
        k = village_of(res_pieces[i].representative_point())
        if k not in halls:
            halls.add(k)
            special[i] = ("DSH", f"Nhà văn hóa {unit.prefix.lower()} {names[k]}")
        elif facilities:
            special[i] = facilities.pop(0)
    for i, g in enumerate(res_pieces):
        pt = g.representative_point()
        k = village_of(pt)
        lg = frame.to_local(g)
        in_town = not town.is_empty and town.contains(pt)
        if i in special:
            code, note = special[i]
            parts = shapes.merge_small(shapes.strips(rng, lg, low=12, high=25, row_depth=24), 150) if code == "DCH" else [lg]
            emit(parts, use=code, crop="", village=names[k], kind="residential", note=note)
            continue
        draw = rng.random()
        if in_town:
            code, parts = ("TMD" if draw < 0.15 else "ODT"), shapes.merge_small(
                shapes.strips(rng, lg, low=5, high=9, row_depth=18), 60)
        elif draw < 0.06 and g.area > 1200:
            code, parts = "MNC", [lg]
        elif draw < 0.16 and g.area > 1200:
            code, parts = "CLN", shapes.merge_small(shapes.cells(rng, lg, cell_x=35, cell_y=24), 300)
        elif Point(seeds[k]).distance(pt) > 0.72 * math.sqrt(max(cores[k].area, 1.0) / math.pi):
            code, parts = "ONT+CLN", shapes.merge_small(shapes.strips(rng, lg, low=12, high=22, row_depth=48), 200)
        else:
            code, parts = "ONT", shapes.merge_small(shapes.strips(rng, lg, low=9, high=17, row_depth=24), 95)
        emit(parts, use=code, crop="Cây ăn quả" if code == "CLN" else "", village=names[k], kind="residential",
             note="")

    lx = np.arange(x0 - px * 1.5, lmaxx + 2 * px, px * 2)
    ly = np.arange(y0 - py * 1.5, lmaxy + 2 * py, py * 2)
    for poly, use in ((roads_poly, "DGT"), (canals_poly, "DTL")):
        for part in shapes.cut(frame.to_local(poly), lx, ly):
            g = frame.to_real(part)
            records.append({"geometry": g, "use": use, "crop": "", "village": names[village_of(g.representative_point())],
                            "kind": "corridor", "note": ""})

    parcels = gpd.GeoDataFrame(records, geometry="geometry", crs=LUONG_PHONG_EPSG)
    parcels["geometry"] = shapely.set_precision(parcels.geometry.values, 0.001)
    parcels = parcels[~parcels.geometry.is_empty].reset_index(drop=True)
    parcels = shapes.explode_and_absorb(parcels, min_area=20.0)
    parcels = shapes.node(parcels)
    parcels = shapes.explode_and_absorb(parcels, min_area=20.0)
    parcels = cadastre.corridor_villages(parcels)
    return cadastre.number(parcels, territory)


def unit_attributes(rng: np.random.Generator, parcels: gpd.GeoDataFrame, unit: Unit) -> gpd.GeoDataFrame:
    """Owners, legal areas and certificates of a generated unit, in the fields of the built-in parcels."""
    n = len(parcels)
    drawn = shapely.area(parcels.geometry.to_numpy())
    use = parcels["use"].to_numpy()
    village = parcels["village"].to_numpy()
    public = f"UBND {unit.label} (cũ)"
    owners = np.full(n, public, dtype=object)
    homes = np.isin(use, ["ONT", "ONT+CLN", "ODT", "TMD"])
    farm = np.isin(use, ["LUC", "LUK", "HNK", "CLN", "NTS", "CNT"])
    for v in pd.unique(village):
        mine = village == v
        home_idx = np.flatnonzero(mine & homes)
        heads = np.array([cadastre.person(rng) for _ in range(max(len(home_idx), 1))], dtype=object)
        owners[home_idx] = heads[: len(home_idx)]
        farm_idx = np.flatnonzero(mine & farm)
        weights = rng.gamma(2.0, 1.0, len(heads))
        owners[farm_idx] = heads[rng.choice(len(heads), size=len(farm_idx), p=weights / weights.sum())]
        fund = farm_idx[rng.random(len(farm_idx)) < 0.05]
        owners[fund] = public
    community = np.isin(use, ["TON", "TIN", "DSH"])
    owners[community] = [f"Cộng đồng dân cư {unit.prefix.lower()} {v}" for v in village[community]]
    private = homes | farm
    legal = np.round(drawn, 1)
    differ = private & (rng.random(n) < 0.06)
    factor = 1 + np.clip(rng.normal(0, 0.04, n), -0.12, 0.12)
    legal[differ] = np.round(drawn[differ] * factor[differ], 1)
    has = private & (owners != public) & (rng.random(n) < 0.9)
    series = np.array(cadastre.GCN_SERIES, dtype=object)[rng.integers(len(cadastre.GCN_SERIES), size=n)]
    numbers = rng.integers(100000, 999999, size=n)
    cert = np.where(has, [f"{s} {k:06d}" for s, k in zip(series, numbers, strict=True)], "")
    address = [f"{unit.prefix} {v}" for v in village]
    return gpd.GeoDataFrame({
        "SHBANDO": parcels["sheet"].astype(int).to_numpy(),
        "SHTHUA": parcels["parcel_no"].astype(int).to_numpy(),
        "DIENTICH": legal,
        "MALOAIDAT": use,
        "TENCHU": owners,
        "DIACHI": address,
        "MAXA": unit.code,
        "CAYTRONG": parcels["crop"].fillna("").to_numpy(),
        "VUDONG": "",
        "VIETGAP": np.zeros(n, dtype=int),
        "SOGCN": cert,
        "GHICHU": parcels["note"].fillna("").to_numpy(),
        FORMER_COLUMN: unit.name,
    }, geometry=parcels.geometry.to_numpy(), crs=parcels.crs)


def generate(outline_source: Path, *, builtin: dict[str, gpd.GeoDataFrame] | None = None,
             ) -> dict[str, gpd.GeoDataFrame]:
    """Every layer of the merged commune, in EPSG:9214.

    ``builtin`` is the built-in dataset's layers as :func:`gis.demo.builtin.generate` makes them (generated
    when not given): its parcels are the Lương Phong part, unchanged but for the ``XA_CU`` column.
    """
    builtin = builtin if builtin is not None else builtin_demo.generate(outline_source)
    territories = unit_outlines(outline_source)
    lp = builtin["parcels"].copy()
    lp[FORMER_COLUMN] = LUONG_PHONG.name
    parts, villages, units = [lp], [builtin["villages"].assign(XA_CU=LUONG_PHONG.name)], []
    for unit in UNITS:
        raw = generate_unit(unit, territories[unit.census_id])
        attrs = unit_attributes(np.random.default_rng(unit.seed + 1), raw, unit)
        parts.append(attrs)
        names = list(pd.unique(raw["village"]))
        v = cadastre.villages(raw, names)
        v["LOAI"] = unit.prefix
        villages.append(v.assign(XA_CU=unit.name))
    for unit in ALL_UNITS:
        units.append({"TEN": f"{unit.label[0].upper()}{unit.label[1:]} (cũ)", "XA_CU": unit.name, "MAXA": unit.code,
                      "geometry": territories[unit.census_id]})
    parcels = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=LUONG_PHONG_EPSG)
    whole = shapely.union_all([u["geometry"] for u in units])
    commune = gpd.GeoDataFrame({"TEN": ["Xã Hiệp Hòa"], "MAXA": ["07840"], "TINH": ["Bắc Ninh"],
                                "NGUON": ["Bản đồ xã Tổng điều tra 2009 (censusVN2009), 5 đơn vị cũ"]},
                               geometry=[whole], crs=LUONG_PHONG_EPSG)
    ponds = parcels[parcels["MALOAIDAT"] == "NTS"]
    return {
        "district": builtin["district"],
        "commune": commune,
        "former_units": gpd.GeoDataFrame(units, geometry="geometry", crs=LUONG_PHONG_EPSG),
        "villages": gpd.GeoDataFrame(pd.concat(villages, ignore_index=True), geometry="geometry",
                                     crs=LUONG_PHONG_EPSG),
        "parcels": parcels,
        "aquaculture_ponds": gpd.GeoDataFrame(
            {"SHBANDO": ponds["SHBANDO"], "SHTHUA": ponds["SHTHUA"], "XA_CU": ponds[FORMER_COLUMN],
             "THON": ponds["DIACHI"].str.replace(r"^(Thôn|Tổ dân phố) ", "", regex=True), "TENCHU": ponds["TENCHU"],
             "DIENTICH": ponds["DIENTICH"]}, geometry=ponds.geometry.to_numpy(), crs=LUONG_PHONG_EPSG),
        "recovered_land": builtin["recovered_land"],
        "concentrated_fields": builtin["concentrated_fields"],
        "rice_fields": builtin["rice_fields"],
        "roads": builtin["roads"],
        "canals": builtin["canals"],
    }


def write(folder: Path, *, outline: Path, builtin: dict[str, gpd.GeoDataFrame] | None = None) -> Path:
    """Generate the merged commune and write it to ``folder`` (GeoPackages and ``dataset.json``), atomically:
    into a scratch folder beside it, renamed into place when complete. Returns ``folder``."""
    layers = generate(outline, builtin=builtin)
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".partial-{folder.name}-", dir=folder.parent))
    try:
        import pyogrio

        for name, frame in layers.items():
            frame = frame.copy()
            frame.attrs = {}
            pyogrio.write_dataframe(frame, scratch / f"{name}.gpkg", layer=name, driver="GPKG", promote_to_multi=False)
        meta = dict(META, generator_version=VERSION)
        (scratch / "dataset.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        os.rename(scratch, folder)
    except BaseException:  # any failure, Ctrl+C included: the scratch folder removed, the error goes on
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return folder


def ensure(folder: Path | None = None, *, outline: Path | None = None) -> Path:
    """The merged commune's folder, generated first when it is missing or from an older generator."""
    from gis.files.io import REFERENCE_OUTLINE

    folder = folder or default_folder()
    if not is_current(folder):
        write(folder, outline=outline or REFERENCE_OUTLINE)
    return folder


def is_current(folder: Path) -> bool:
    """Whether ``folder`` holds the merged commune as this generator writes it (its parcels and a
    ``dataset.json`` of this :data:`VERSION`)."""
    try:
        meta = json.loads((Path(folder) / "dataset.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and meta.get("generator_version") == VERSION and (
        Path(folder) / "parcels.gpkg").is_file()
