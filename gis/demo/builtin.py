"""The built-in demonstration data of Lương Phong commune: a deterministic generator.

Everything written here except the commune outline is invented. The outline comes from the 2009 census
map of Hiệp Hòa district (see ``data/shapefiles/README.md``); villages, parcels, owners, crops, ponds, the
recovered project boundaries and the concentrated fields are generated so that they look and behave like a
Red River delta commune's cadastre and match the figures of the commune's 2024 plan (rice land about 680 ha
before recovery and 540-550 ha after it, ponds about 58 ha before and 55 ha after).

The generator is pure geometry and pseudo-random numbers from one seed: the same seed writes the same files,
byte for byte (the DBF header's date is fixed). Run it with ``python -m gis generate-demo``. This module holds
the commune's invented places (villages, highway, canal, recovery projects), the reading of the census
outlines it starts from (:func:`commune_outlines`), :func:`generate` and :func:`write`; the geometry tools are
in :mod:`gis.demo.shapes`, the parcels' attributes in :mod:`gis.demo.cadastre`, the layers drawn from the
parcels in :mod:`gis.demo.derived`.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, Point, Polygon

from gis.core.crs import LUONG_PHONG_EPSG
from gis.demo import cadastre, derived, shapes
from gis.demo.cadastre import COMMUNE_CODE, COMMUNE_ID
from gis.demo.shapes import Frame

SEED = 2024


#: The field grid runs this many degrees off grid north, as the delta's irrigation schemes do.
GRID_ANGLE_DEG = 14.0


CORE_SCALE = 1.12


# name, seed point (E, N) in EPSG:9214, core area in ha
VILLAGES: list[tuple[str, float, float, float]] = [
    ("Cấm", 395400.0, 2360850.0, 21.0),
    ("Chớp", 395900.0, 2360150.0, 19.0),
    ("Chùa", 397200.0, 2360730.0, 24.0),
    ("Đông", 398650.0, 2360620.0, 28.0),
    ("Giữa", 396250.0, 2361330.0, 21.0),
    ("Khánh", 399150.0, 2362150.0, 20.0),
    ("Sơn Quả 1", 398450.0, 2362950.0, 17.0),
    ("Sơn Quả 2", 398600.0, 2362350.0, 17.0),
    ("Sơn Quả 3", 397950.0, 2361720.0, 17.0),
    ("Sơn Quả 4", 398400.0, 2361250.0, 17.0),
    ("Sơn Quả 5", 397350.0, 2361150.0, 17.0),
    ("Tứ", 399300.0, 2361250.0, 20.0),
    ("Vân An", 395450.0, 2361850.0, 22.0),
]

HIGHWAY_37 = [(394600.0, 2360560.0), (395700.0, 2360480.0), (396600.0, 2360470.0),
              (397500.0, 2360460.0), (398300.0, 2360330.0), (399300.0, 2360250.0), (400000.0, 2360230.0)]
DAO_CANAL = [(396560.0, 2362200.0), (396700.0, 2361700.0), (396820.0, 2361150.0),
             (396780.0, 2360600.0), (396870.0, 2360050.0), (396930.0, 2359300.0)]

# (name, decision, year, kind, area in the commune (ha), anchor the outline is scaled about, ring)
PROJECTS: list[tuple[str, str, int, str, float, tuple[float, float], list[tuple[float, float]]]] = [
    ("Cụm công nghiệp Đoan Bái - Lương Phong", "2315/QĐ-UBND", 2023, "Cụm công nghiệp", 75.0,
     (397570.0, 2360446.0),
     [(397020.0, 2360446.0), (397600.0, 2360440.0), (398120.0, 2360370.0), (398170.0, 2359700.0),
      (397980.0, 2359260.0), (397560.0, 2359330.0), (397080.0, 2359720.0), (396990.0, 2360050.0)]),
    ("Khu dân cư mới thôn Đông", "1187/QĐ-UBND", 2023, "Khu dân cư", 26.0, (399080.0, 2360000.0),
     [(398880.0, 2360200.0), (399290.0, 2360170.0), (399250.0, 2359790.0), (398860.0, 2359820.0)]),
    ("Khu dân cư dịch vụ thôn Tứ - Khánh", "1188/QĐ-UBND", 2023, "Khu dân cư", 16.0, (399500.0, 2361450.0),
     [(399450.0, 2361560.0), (399640.0, 2361540.0), (399590.0, 2361180.0), (399330.0, 2361420.0)]),
    ("Đường trục kết nối QL37 - ĐT295 (đoạn qua xã)", "842/QĐ-UBND", 2023, "Giao thông", 19.0,
     (395760.0, 2360060.0),
     [(395050.0, 2360420.0), (395700.0, 2360080.0), (396450.0, 2359640.0), (396490.0, 2359710.0),
      (395760.0, 2360150.0), (395090.0, 2360490.0)]),
    ("Trường THCS Lương Phong (xây mới)", "903/QĐ-UBND", 2023, "Giáo dục", 2.5, (398175.0, 2360765.0),
     [(398100.0, 2360830.0), (398260.0, 2360820.0), (398250.0, 2360700.0), (398090.0, 2360710.0)]),
    ("Khu đô thị mới Sơn Quả", "1520/QĐ-UBND", 2023, "Đô thị", 34.0, (398870.0, 2362650.0),
     [(398700.0, 2362780.0), (399000.0, 2362720.0), (398960.0, 2362520.0), (398640.0, 2362580.0)]),
]


DBF_DATE = bytes([124, 1, 1])  # 2024-01-01 in the DBF header (year - 1900, month, day)


def commune_outlines(source: Path) -> gpd.GeoDataFrame:
    """The 2009 census communes of Hiệp Hòa, reprojected to EPSG:9214."""
    frame = gpd.read_file(source).to_crs(LUONG_PHONG_EPSG)
    frame["commune_id"] = frame["commune_id"].astype(int)
    return frame


def generate(outline_source: Path, *, seed: int = SEED, core_scale: float = CORE_SCALE) -> dict[str, gpd.GeoDataFrame]:
    """Generate every layer of the demonstration dataset.

    Returns a mapping of layer name to frame, all in EPSG:9214: ``district``, ``commune``, ``villages``,
    ``parcels``, ``rice_fields``, ``aquaculture_ponds``, ``recovered_land``, ``concentrated_fields``,
    ``roads``, ``canals``.
    """
    rng = np.random.default_rng(seed)
    district = commune_outlines(outline_source)
    commune = district.loc[district["commune_id"] == COMMUNE_ID].geometry.iloc[0]
    commune = shapely.set_precision(commune, 0.001)
    frame = Frame(origin=(commune.centroid.x, commune.centroid.y), angle=GRID_ANGLE_DEG)

    names = [v[0] for v in VILLAGES]
    seeds = np.array([[v[1], v[2]] for v in VILLAGES])

    # --- networks, in real coordinates --------------------------------------------------------------
    highway = LineString(HIGHWAY_37)
    dao = LineString(DAO_CANAL)
    extend = 400.0
    dao = LineString([(DAO_CANAL[0][0] - 40, DAO_CANAL[0][1] + extend), *DAO_CANAL,
                      (DAO_CANAL[-1][0] + 20, DAO_CANAL[-1][1] - extend)])
    commune_road_lines = [LineString([seeds[i], seeds[j]]) for i, j in shapes.mst_edges(seeds)]
    extra = [("Vân An", "Giữa"), ("Sơn Quả 3", "Sơn Quả 2"), ("Đông", "Tứ"), ("Chớp", "Chùa")]
    for a, b in extra:
        commune_road_lines.append(LineString([seeds[names.index(a)], seeds[names.index(b)]]))
    commune_road_lines.append(LineString([seeds[names.index("Sơn Quả 1")], (398700.0, 2363600.0)]))
    commune_road_lines.append(LineString([seeds[names.index("Chớp")], (395000.0, 2359900.0)]))

    cores = []
    for (_name, x, y, ha) in VILLAGES:
        cores.append(shapes.blob(rng, (x, y), ha * core_scale * 10_000))
    inner = commune.buffer(-25)
    big = shapely.union_all([highway.buffer(30), dao.buffer(30)])
    cores = [shapely.difference(shapely.intersection(c, inner), big) for c in cores]
    cores = [max(getattr(c, "geoms", [c]), key=lambda g: g.area) for c in cores]
    core_union = shapely.union_all(cores)

    # --- the field grid and the village lanes, in the local frame -----------------------------------
    local_commune = frame.to_local(commune)
    lminx, lminy, lmaxx, lmaxy = local_commune.bounds
    local_cores = frame.to_local(core_union)
    field_zone = local_commune.difference(local_cores.buffer(8))
    grid_x0, grid_y0, pitch_x, pitch_y = lminx - 37.0, lminy - 21.0, 205.0, 135.0
    vroads, hroads, hcanals, hmain = [], [], [], []
    for i in range(int((lmaxx - grid_x0) / pitch_x) + 2):
        x = grid_x0 + i * pitch_x
        vroads.append(LineString([(x, lminy - 50), (x, lmaxy + 50)]))
    for j in range(int((lmaxy - grid_y0) / pitch_y) + 2):
        y = grid_y0 + j * pitch_y
        line = LineString([(lminx - 50, y), (lmaxx + 50, y)])
        if j % 2 == 0:
            hroads.append(line)
        elif j % 6 == 1:
            hmain.append(line)
        else:
            hcanals.append(line)
    field_roads_local = shapely.intersection(shapely.union_all(vroads + hroads), field_zone)
    field_canals_local = shapely.intersection(shapely.union_all(hcanals), field_zone)
    main_canals_local = shapely.intersection(shapely.union_all(hmain), field_zone)

    lane_lines = []
    for core in cores:
        lc = frame.to_local(core)
        cminx, cminy, cmaxx, cmaxy = lc.bounds
        ox, oy = rng.uniform(0, 70), rng.uniform(0, 52)
        xs = np.arange(cminx - ox, cmaxx + 70, 72.0)
        ys = np.arange(cminy - oy, cmaxy + 52, 52.0)
        lines = [LineString([(x, cminy - 10), (x, cmaxy + 10)]) for x in xs]
        lines += [LineString([(cminx - 10, y), (cmaxx + 10, y)]) for y in ys]
        lane_lines.append(shapely.intersection(shapely.union_all(lines), lc))
    lanes_local = shapely.union_all(lane_lines)

    field_roads = frame.to_real(field_roads_local)
    field_canals = frame.to_real(field_canals_local)
    main_canals = frame.to_real(main_canals_local)
    lanes = frame.to_real(lanes_local)

    roads_poly = shapely.union_all([
        highway.buffer(12, cap_style="flat", join_style="mitre"),
        shapes.corridor(commune_road_lines, 8.0),
        field_roads.buffer(2.5, cap_style="flat", join_style="mitre"),
        lanes.buffer(2.0, cap_style="flat", join_style="mitre"),
    ]).intersection(commune)
    canals_poly = shapely.union_all([
        dao.buffer(15, cap_style="flat", join_style="mitre"),
        main_canals.buffer(4.5, cap_style="flat", join_style="mitre"),
        field_canals.buffer(2.5, cap_style="flat", join_style="mitre"),
    ]).intersection(commune).difference(roads_poly)
    land = commune.difference(roads_poly).difference(canals_poly)

    projects = gpd.GeoDataFrame(
        {"TENDUAN": [p[0] for p in PROJECTS], "SOQD": [p[1] for p in PROJECTS],
         "NAM": [p[2] for p in PROJECTS], "LOAI": [p[3] for p in PROJECTS]},
        geometry=[shapes.fit_area(Polygon(p[6]), commune, p[4] * 10_000, p[5]) for p in PROJECTS],
        crs=LUONG_PHONG_EPSG,
    )
    cluster = projects.geometry.iloc[0]
    recovered_all = projects.geometry.union_all()

    # --- blocks: the land between roads and canals, split into village cores and fields -------------
    records: list[dict] = []

    def village_of(pt: Point) -> str:
        d = np.hypot(seeds[:, 0] - pt.x, seeds[:, 1] - pt.y)
        return names[int(np.argmin(d))]

    blocks = [g for g in getattr(land, "geoms", [land]) if g.area > 0.01]
    field_pieces: list[Polygon] = []
    res_pieces: list[tuple[Polygon, int]] = []
    for block in blocks:
        inside = block.intersection(core_union)
        outside = block.difference(core_union)
        for g in getattr(outside, "geoms", [outside]):
            if isinstance(g, Polygon) and g.area > 0.01:
                field_pieces.append(g)
        for g in getattr(inside, "geoms", [inside]):
            if isinstance(g, Polygon) and g.area > 0.01:
                pt = g.representative_point()
                k = next((i for i, c in enumerate(cores) if c.contains(pt)), None)
                if k is None:
                    k = names.index(village_of(pt))
                res_pieces.append((g, k))

    # --- land use of the field pieces ---------------------------------------------------------------
    info = []
    for g in field_pieces:
        pt = g.representative_point()
        v = village_of(pt)
        k = names.index(v)
        info.append({"geom": g, "village": v, "area": g.area, "core_dist": cores[k].distance(g),
                     "in_cluster": cluster.contains(pt), "in_rec": recovered_all.intersects(g)})
    fp = pd.DataFrame(info)
    fp["use"] = "LUC"
    fp["crop"] = "Lúa 2 vụ"
    order = rng.permutation(len(fp))
    fp = fp.iloc[order].reset_index(drop=True)

    def take(mask, target_ha, use, crop, *, by="core_dist"):
        cand = fp[mask & (fp["use"] == "LUC") & (fp["area"] > 1500)].sort_values(by, kind="stable")
        total, target = 0.0, target_ha * 10_000
        for idx in cand.index:
            a = fp.loc[idx, "area"]
            if total + a / 2 > target:
                continue  # a block this large would overshoot the target: look for a smaller one
            fp.loc[idx, ["use", "crop"]] = [use, crop]
            total += a
        return total / 10_000

    not_cluster = ~fp["in_rec"]
    take(fp["in_cluster"] & (fp["village"] == "Chùa"), 1.4, "NTS", "Cá")
    take(fp["in_cluster"] & (fp["village"] == "Đông"), 1.4, "NTS", "Cá")
    near = fp["core_dist"] < 120
    far = fp["core_dist"] > 250
    pond_villages = ["Khánh", "Tứ", "Đông", "Chớp", "Sơn Quả 2", "Sơn Quả 3", "Sơn Quả 1", "Sơn Quả 5", "Chùa"]
    for v in pond_villages:
        take(near & not_cluster & (fp["village"] == v), 4.0, "NTS", "Cá")
    take(not_cluster & fp["village"].isin(["Khánh", "Tứ"]), 6.0, "NTS", "Cá", by="area")
    for v, ha in [("Đông", 16.0), ("Vân An", 6.0), ("Khánh", 16.0), ("Tứ", 16.0)]:
        take(near & not_cluster & (fp["village"] == v), ha, "CLN", "Bưởi Diễn")
    for v in ["Sơn Quả 1", "Sơn Quả 3", "Sơn Quả 2"]:
        take(near & not_cluster & (fp["village"] == v), 6.5, "HNK", "Ngô ngọt")
    for v in ["Sơn Quả 5", "Vân An"]:
        take(near & not_cluster & (fp["village"] == v), 4.5, "HNK", "Ngô nếp")
    for v in ["Sơn Quả 4", "Sơn Quả 5"]:
        take(near & not_cluster & (fp["village"] == v), 4.0, "HNK", "Rau màu")
    take(near & not_cluster & (fp["village"] == "Sơn Quả 2"), 3.0, "HNK", "Hoa")
    for v in ["Chớp", "Chùa", "Sơn Quả 5", "Tứ"]:
        take(not_cluster & (fp["village"] == v), 9.0, "CLN", "Vải thiều")
    # concentrated livestock farms (the plan counts them) and workshops along the highway
    for v in ["Chớp", "Đông", "Khánh", "Tứ", "Sơn Quả 4", "Sơn Quả 1"]:
        take(far & not_cluster & (fp["village"] == v), 8.5, "CNT", "")
    by_road = fp["geom"].map(lambda g: highway.distance(g) < 30) & not_cluster
    take(by_road, 22.0, "SKC", "")
    for v in ["Chùa", "Chớp", "Sơn Quả 4", "Khánh", "Tứ", "Sơn Quả 2"]:
        take(not_cluster & (fp["village"] == v), 6.5, "HNK", "Lạc")
    take(not_cluster & fp["village"].isin(["Chớp", "Đông"]), 14.0, "HNK", "Khoai lang")
    for v in names:
        take(far & not_cluster & (fp["village"] == v), 2.0, "NTD", "")
    # rice land far from the villages' water is "other rice land" (one good crop)
    remote = (fp["use"] == "LUC") & (fp["core_dist"] > 700)
    fp.loc[remote, ["use", "crop"]] = ["LUK", "Lúa 1 vụ"]

    # --- subdivide into parcels ---------------------------------------------------------------------
    def emit(geoms_local, **attrs):
        for g in geoms_local:
            records.append({"geometry": frame.to_real(g), **attrs})

    for row in fp.itertuples():
        local = frame.to_local(row.geom)
        if row.use in ("LUC", "LUK"):
            parts = shapes.strips(rng, local, low=9, high=23, row_depth=62)
            parts = shapes.merge_small(parts, 250)
        elif row.use == "HNK":
            parts = shapes.merge_small(shapes.strips(rng, local, low=10, high=24, row_depth=62), 200)
        elif row.use == "NTS":
            parts = shapes.merge_small(shapes.cells(rng, local, cell_x=55, cell_y=45), 900)
        elif row.use == "CLN":
            parts = shapes.merge_small(shapes.cells(rng, local, cell_x=52, cell_y=62), 500)
        elif row.use in ("CNT", "SKC"):
            parts = shapes.merge_small(shapes.cells(rng, local, cell_x=75, cell_y=62), 1500)
        else:
            parts = [local]
        emit(parts, use=row.use, crop=row.crop, village=row.village, kind="field", block=row.Index)

    facilities = {
        "Đông": [("TSC", "Trụ sở UBND xã Lương Phong"), ("DYT", "Trạm y tế xã Lương Phong"),
                 ("DGD", "Trường Mầm non số 2"), ("DTT", "Sân vận động xã")],
        "Chùa": [("TON", "Chùa thôn Chùa"), ("DGD", "Trường Tiểu học số 1")],
        "Vân An": [("DGD", "Trường Mầm non số 1"), ("TIN", "Đình thôn Vân An")],
        "Sơn Quả 3": [("DGD", "Trường Tiểu học số 2"), ("TON", "Chùa Sơn Quả")],
        "Giữa": [("DGD", "Trường THCS Lương Phong")],
        "Khánh": [("TIN", "Đình thôn Khánh")],
        "Tứ": [("DCH", "Chợ Lương Phong")],  # chợ dân sinh: DCH, public land (not TMD)
    }
    res_info = []
    for g, k in res_pieces:
        res_info.append({"geom": g, "k": k, "area": g.area,
                         "dist": Point(seeds[k]).distance(g.representative_point())})
    rp = pd.DataFrame(res_info).sort_values(["k", "dist"], kind="stable").reset_index(drop=True)
    radius = {k: math.sqrt(cores[k].area / math.pi) for k in range(len(cores))}
    rp["outer"] = rp["k"].map(lambda k: 0.72 * radius[k])
    rp["use"] = "ONT"
    rp["note"] = ""
    for k, name in enumerate(names):
        mine = rp[(rp["k"] == k) & (rp["area"] > 1800)]
        # a village hall (nhà văn hóa thôn) stands on community land, DSH (DVH is a cultural facility)
        wanted = [("DSH", f"Nhà văn hóa thôn {name}")] + facilities.get(name, [])
        for (code, label), idx in zip(wanted, mine.index[1:], strict=False):
            rp.loc[idx, ["use", "note"]] = [code, label]
        rest = rp[(rp["k"] == k) & (rp["use"] == "ONT") & (rp["area"] > 1200)]
        pick = rest.index[rng.permutation(len(rest))]
        n_pond, n_garden = max(1, len(pick) // 14), max(2, len(pick) // 9)
        rp.loc[pick[:n_pond], "use"] = "MNC"
        rp.loc[pick[n_pond:n_pond + n_garden], "use"] = "CLN"
    # small shops along the highway in thôn Chùa and Đông
    for row in rp.itertuples():
        if row.use == "ONT" and highway.distance(row.geom) < 20 and rng.random() < 0.35:
            rp.loc[row.Index, "use"] = "TMD"

    for row in rp.itertuples():
        local = frame.to_local(row.geom)
        village = names[row.k]
        if row.use == "ONT" and row.dist > row.outer:
            # old house-and-garden lots at the edge of the village: deeper, coded ONT+CLN
            parts = shapes.merge_small(shapes.strips(rng, local, low=12, high=22, row_depth=48), 200)
            crop, code = "", "ONT+CLN"
        elif row.use == "ONT":
            parts = shapes.merge_small(shapes.strips(rng, local, low=9, high=17, row_depth=24), 95)
            crop = ""
        elif row.use in ("TMD", "DCH"):
            # shops, and the market's stall rows, in strips (the market's strips keep the demo's random
            # sequence, and so every other parcel, as it was when the market was coded TMD)
            parts = shapes.merge_small(shapes.strips(rng, local, low=12, high=25, row_depth=24), 150)
            crop = ""
        elif row.use == "CLN":
            parts = shapes.merge_small(shapes.cells(rng, local, cell_x=35, cell_y=24), 300)
            crop = "Bưởi Diễn" if village in ("Đông", "Vân An", "Khánh", "Tứ") else "Cây ăn quả"
        else:
            parts, crop = [local], ""
        emit(parts, use=code if row.use == "ONT" and row.dist > row.outer else row.use, crop=crop,
             village=village, kind="residential", note=row.note)

    # --- roads and canals as parcels, cut into segments ---------------------------------------------
    def segments(poly, use):
        local = frame.to_local(poly)
        xs = np.arange(grid_x0 - pitch_x * 1.5, lmaxx + 2 * pitch_x, pitch_x * 2)
        ys = np.arange(grid_y0 - pitch_y * 1.5, lmaxy + 2 * pitch_y, pitch_y * 2)
        for part in shapes.cut(local, xs, ys):
            g = frame.to_real(part)
            records.append({"geometry": g, "use": use, "crop": "", "village": village_of(g.representative_point()),
                            "kind": "corridor"})

    segments(roads_poly, "DGT")
    segments(canals_poly, "DTL")

    parcels = gpd.GeoDataFrame(records, geometry="geometry", crs=LUONG_PHONG_EPSG)
    parcels["geometry"] = shapely.set_precision(parcels.geometry.values, 0.001)
    parcels = parcels[~parcels.geometry.is_empty].reset_index(drop=True)
    parcels = shapes.explode_and_absorb(parcels, min_area=40.0)
    parcels = shapes.node(parcels)
    parcels = shapes.explode_and_absorb(parcels, min_area=40.0)

    parcels = cadastre.corridor_villages(parcels)
    villages = cadastre.villages(parcels, names)
    parcels = cadastre.number(parcels, commune)
    blocks = parcels["block"].to_numpy()
    parcels = cadastre.attributes(rng, parcels)
    roads, canals = derived.line_layers(rng, highway, dao, commune_road_lines, names, seeds, field_roads, lanes,
                                 field_canals, main_canals, commune)
    rice_fields = derived.rice_fields(parcels, blocks)
    concentrated = derived.concentrated_fields(rice_fields, projects, core_union)
    ponds = derived.ponds(rng, parcels)

    commune_frame = gpd.GeoDataFrame(
        {"TEN": ["Xã Lương Phong"], "MAXA": [COMMUNE_CODE], "HUYEN": ["Hiệp Hòa"], "TINH": ["Bắc Giang"],
         "NGUON": ["Bản đồ xã Tổng điều tra 2009 (censusVN2009)"]},
        geometry=[commune], crs=LUONG_PHONG_EPSG)
    district_frame = gpd.GeoDataFrame(
        {"TEN": district["name_vn"], "MA_TDT": district["commune_id"].astype(str),
         "DT_TDT_HA": district["area_ha_2009_census"].astype(float)},
        geometry=shapely.set_precision(district.geometry.values, 0.01), crs=LUONG_PHONG_EPSG)

    return {
        "district": district_frame,
        "commune": commune_frame,
        "villages": villages,
        "parcels": parcels,
        "rice_fields": rice_fields,
        "aquaculture_ponds": ponds,
        "recovered_land": projects,
        "concentrated_fields": concentrated,
        "roads": roads,
        "canals": canals,
    }


def write(layers: dict[str, gpd.GeoDataFrame], folder: Path) -> list[Path]:
    """Write each layer as a UTF-8 shapefile with ``.prj`` and ``.cpg``, byte-for-byte reproducibly."""
    import pyogrio

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in layers.items():
        path = folder / f"{name}.shp"
        frame = frame.copy()
        frame.attrs = {}
        for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
            path.with_suffix(ext).unlink(missing_ok=True)
        pyogrio.write_dataframe(frame, path, driver="ESRI Shapefile", encoding="UTF-8", layer_options={"RESIZE": "YES"})
        dbf = path.with_suffix(".dbf")
        with dbf.open("r+b") as fh:  # the DBF header carries the write date: fix it for reproducibility
            fh.seek(1)
            fh.write(DBF_DATE)
        written.append(path)
    return written
