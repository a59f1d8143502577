"""The built-in demonstration data of Lương Phong commune: a deterministic generator.

Everything written here except the commune outline is invented. The outline comes from the 2009 census
map of Hiệp Hòa district (see ``data/shapefiles/README.md``); villages, parcels, owners, crops, ponds, the
recovered project boundaries and the concentrated fields are generated so that they look and behave like a
Red River delta commune's cadastre and match the figures of the commune's 2024 plan (rice land about 680 ha
before recovery and 540-550 ha after it, ponds about 58 ha before and 55 ha after).

The generator is pure geometry and pseudo-random numbers from one seed: the same seed writes the same
files, byte for byte (the DBF header's date is fixed). Run it with ``python -m gis generate-demo``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import affinity
from shapely.geometry import LineString, MultiLineString, Point, Polygon, box

from gis.crs import LUONG_PHONG_EPSG

SEED = 2024
COMMUNE_ID = 2210927  # Lương Phong in the 2009 census map
COMMUNE_CODE = "07846"  # GSO code
#: The field grid runs this many degrees off grid north, as the delta's irrigation schemes do.
GRID_ANGLE_DEG = 14.0
SHEET_SIZE_M = 500.0
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

FAMILY = (["Nguyễn"] * 30 + ["Trần"] * 8 + ["Lê"] * 7 + ["Phạm"] * 5 + ["Hoàng"] * 3 + ["Ngô"] * 4
          + ["Đỗ"] * 3 + ["Bùi"] * 3 + ["Đặng"] * 2 + ["Vũ"] * 2 + ["Dương"] * 3 + ["Đào"] * 2
          + ["Thân"] * 5 + ["Giáp"] * 4 + ["Ngọ"] * 2 + ["Chu"] * 2 + ["Hà"] * 2 + ["Lưu"] * 1)
MIDDLE_M = ["Văn"] * 10 + ["Đức", "Hữu", "Minh", "Quang", "Xuân", "Đình", "Công", "Trọng"]
MIDDLE_F = ["Thị"] * 10 + ["Thị Thu", "Thị Minh", "Thị Hồng", "Thị Thanh"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hùng", "Hưng", "Khánh", "Long", "Nam", "Phong",
           "Quân", "Sơn", "Thắng", "Thành", "Toàn", "Tuấn", "Việt", "Vinh", "Hiếu", "Lợi", "Chiến", "Kiên"]
GIVEN_F = ["Hà", "Hạnh", "Hoa", "Hương", "Lan", "Liên", "Mai", "Nga", "Nhung", "Phương", "Thảo", "Thủy",
           "Trang", "Tuyết", "Yến", "Hằng", "Lụa", "Xuân"]
GCN_SERIES = ["AĐ", "BĐ", "BK", "CH", "CS", "DE"]

PUBLIC_OWNER = "UBND xã Lương Phong"
DBF_DATE = bytes([124, 1, 1])  # 2024-01-01 in the DBF header (year - 1900, month, day)


@dataclass
class Frame:
    """The local frame: rotate real coordinates about ``origin`` so the field grid is axis-aligned."""

    origin: tuple[float, float]
    angle: float

    def to_local(self, geom):
        return affinity.rotate(geom, -self.angle, origin=self.origin)

    def to_real(self, geom):
        return affinity.rotate(geom, self.angle, origin=self.origin)


def commune_outlines(source: Path) -> gpd.GeoDataFrame:
    """The 2009 census communes of Hiệp Hòa, reprojected to EPSG:9214."""
    frame = gpd.read_file(source).to_crs(LUONG_PHONG_EPSG)
    frame["commune_id"] = frame["commune_id"].astype(int)
    return frame


def _blob(rng: np.random.Generator, centre: tuple[float, float], area_m2: float) -> Polygon:
    """An irregular rounded polygon of the given area around ``centre``: a village's residential core."""
    phi = np.linspace(0, 2 * math.pi, 64, endpoint=False)
    r = np.ones_like(phi)
    for k, amp in ((1, 0.16), (2, 0.14), (3, 0.08), (5, 0.04)):
        r += amp * np.cos(k * phi + rng.uniform(0, 2 * math.pi))
    ring = np.column_stack([np.cos(phi) * r, np.sin(phi) * r])
    poly = Polygon(ring)
    scale = math.sqrt(area_m2 / poly.area)
    return affinity.translate(affinity.scale(poly, scale, scale, origin=(0, 0)), *centre)


def _fit_area(poly: Polygon, commune, area_m2: float, anchor: tuple[float, float]):
    """Scale ``poly`` about ``anchor`` until its part inside the commune has ``area_m2`` (to 1 m²)."""
    lo, hi = 0.2, 4.0
    for _ in range(60):
        mid = (lo + hi) / 2
        got = affinity.scale(poly, mid, mid, origin=anchor).intersection(commune).area
        lo, hi = (mid, hi) if got < area_m2 else (lo, mid)
    fitted = affinity.scale(poly, hi, hi, origin=anchor).intersection(commune)
    return shapely.set_precision(fitted, 0.01)


def _corridor(lines, width: float) -> shapely.Geometry:
    geoms = [LineString(c) if not isinstance(c, LineString | MultiLineString) else c for c in lines]
    return shapely.union_all([g.buffer(width / 2, cap_style="flat", join_style="mitre") for g in geoms])


def _mst_edges(points: np.ndarray) -> list[tuple[int, int]]:
    """Edges of the Euclidean minimum spanning tree (Prim), deterministic."""
    n = len(points)
    in_tree = [0]
    edges = []
    while len(in_tree) < n:
        best = None
        for i in in_tree:
            for j in range(n):
                if j in in_tree:
                    continue
                d = float(np.hypot(*(points[i] - points[j])))
                if best is None or d < best[0]:
                    best = (d, i, j)
        assert best is not None
        edges.append((best[1], best[2]))
        in_tree.append(best[2])
    return edges


def _cut(piece: Polygon, xs: np.ndarray, ys: np.ndarray) -> list[Polygon]:
    """Cut ``piece`` by the cells of the grid with column edges ``xs`` and row edges ``ys``."""
    cells = [box(xs[i], ys[j], xs[i + 1], ys[j + 1]) for j in range(len(ys) - 1) for i in range(len(xs) - 1)]
    parts = shapely.intersection(piece, np.array(cells, dtype=object))
    out: list[Polygon] = []
    for part in parts:
        if part.is_empty:
            continue
        for poly in getattr(part, "geoms", [part]):
            if isinstance(poly, Polygon) and poly.area > 1e-6:
                out.append(poly)
    return out


def _merge_small(parts: list[Polygon], min_area: float) -> list[Polygon]:
    """Merge every part smaller than ``min_area`` into the touching part with the longest shared edge."""
    parts = list(parts)
    changed = True
    while changed and len(parts) > 1:
        changed = False
        order = sorted(range(len(parts)), key=lambda i: parts[i].area)
        for i in order:
            if parts[i].area >= min_area:
                break
            best, best_len = None, 0.0
            for j, other in enumerate(parts):
                if j == i:
                    continue
                shared = parts[i].boundary.intersection(other.boundary).length
                if shared > best_len:
                    best, best_len = j, shared
            if best is None:
                continue
            merged = shapely.union(parts[i], parts[best])
            if merged.geom_type != "Polygon":
                continue
            parts[best] = merged
            del parts[i]
            changed = True
            break
    return parts


def _widths(rng: np.random.Generator, start: float, stop: float, low: float, high: float) -> np.ndarray:
    edges = [start]
    while edges[-1] < stop:
        edges.append(edges[-1] + rng.uniform(low, high))
    edges[-1] = max(edges[-1], stop)
    return np.array(edges)


def _strips(rng, piece: Polygon, *, low: float, high: float, row_depth: float) -> list[Polygon]:
    minx, miny, maxx, maxy = piece.bounds
    rows = max(1, round((maxy - miny) / row_depth))
    ys = np.linspace(miny, maxy, rows + 1)
    xs = _widths(rng, minx, maxx, low, high)
    return _cut(piece, xs, ys)


def _cells(rng, piece: Polygon, *, cell_x: float, cell_y: float) -> list[Polygon]:
    minx, miny, maxx, maxy = piece.bounds
    nx = max(1, round((maxx - minx) / cell_x))
    ny = max(1, round((maxy - miny) / cell_y))
    jitter_x = rng.uniform(-0.15, 0.15, nx + 1) * (maxx - minx) / nx
    jitter_x[0] = jitter_x[-1] = 0
    xs = np.linspace(minx, maxx, nx + 1) + jitter_x
    ys = np.linspace(miny, maxy, ny + 1)
    return _cut(piece, xs, ys)


def _person(rng: np.random.Generator) -> str:
    family = FAMILY[rng.integers(len(FAMILY))]
    if rng.random() < 0.72:
        return f"{family} {MIDDLE_M[rng.integers(len(MIDDLE_M))]} {GIVEN_M[rng.integers(len(GIVEN_M))]}"
    return f"{family} {MIDDLE_F[rng.integers(len(MIDDLE_F))]} {GIVEN_F[rng.integers(len(GIVEN_F))]}"


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
    commune_road_lines = [LineString([seeds[i], seeds[j]]) for i, j in _mst_edges(seeds)]
    extra = [("Vân An", "Giữa"), ("Sơn Quả 3", "Sơn Quả 2"), ("Đông", "Tứ"), ("Chớp", "Chùa")]
    for a, b in extra:
        commune_road_lines.append(LineString([seeds[names.index(a)], seeds[names.index(b)]]))
    commune_road_lines.append(LineString([seeds[names.index("Sơn Quả 1")], (398700.0, 2363600.0)]))
    commune_road_lines.append(LineString([seeds[names.index("Chớp")], (395000.0, 2359900.0)]))

    cores = []
    for (_name, x, y, ha) in VILLAGES:
        cores.append(_blob(rng, (x, y), ha * core_scale * 10_000))
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
        _corridor(commune_road_lines, 8.0),
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
        geometry=[_fit_area(Polygon(p[6]), commune, p[4] * 10_000, p[5]) for p in PROJECTS],
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
            parts = _strips(rng, local, low=9, high=23, row_depth=62)
            parts = _merge_small(parts, 250)
        elif row.use == "HNK":
            parts = _merge_small(_strips(rng, local, low=10, high=24, row_depth=62), 200)
        elif row.use == "NTS":
            parts = _merge_small(_cells(rng, local, cell_x=55, cell_y=45), 900)
        elif row.use == "CLN":
            parts = _merge_small(_cells(rng, local, cell_x=52, cell_y=62), 500)
        elif row.use in ("CNT", "SKC"):
            parts = _merge_small(_cells(rng, local, cell_x=75, cell_y=62), 1500)
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
            parts = _merge_small(_strips(rng, local, low=12, high=22, row_depth=48), 200)
            crop, code = "", "ONT+CLN"
        elif row.use == "ONT":
            parts = _merge_small(_strips(rng, local, low=9, high=17, row_depth=24), 95)
            crop = ""
        elif row.use in ("TMD", "DCH"):
            # shops, and the market's stall rows, in strips (the market's strips keep the demo's random
            # sequence, and so every other parcel, as it was when the market was coded TMD)
            parts = _merge_small(_strips(rng, local, low=12, high=25, row_depth=24), 150)
            crop = ""
        elif row.use == "CLN":
            parts = _merge_small(_cells(rng, local, cell_x=35, cell_y=24), 300)
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
        for part in _cut(local, xs, ys):
            g = frame.to_real(part)
            records.append({"geometry": g, "use": use, "crop": "", "village": village_of(g.representative_point()),
                            "kind": "corridor"})

    segments(roads_poly, "DGT")
    segments(canals_poly, "DTL")

    parcels = gpd.GeoDataFrame(records, geometry="geometry", crs=LUONG_PHONG_EPSG)
    parcels["geometry"] = shapely.set_precision(parcels.geometry.values, 0.001)
    parcels = parcels[~parcels.geometry.is_empty].reset_index(drop=True)
    parcels = _explode_and_absorb(parcels, min_area=40.0)
    parcels = _node(parcels)
    parcels = _explode_and_absorb(parcels, min_area=40.0)

    parcels = _corridor_villages(parcels)
    villages = _villages(parcels, names)
    parcels = _number(parcels, commune)
    blocks = parcels["block"].to_numpy()
    parcels = _attributes(rng, parcels)
    roads, canals = _line_layers(rng, highway, dao, commune_road_lines, names, seeds, field_roads, lanes,
                                 field_canals, main_canals, commune)
    rice_fields = _rice_fields(parcels, blocks)
    concentrated = _concentrated_fields(rice_fields, projects, core_union)
    ponds = _ponds(rng, parcels)

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


def _explode_and_absorb(parcels: gpd.GeoDataFrame, *, min_area: float) -> gpd.GeoDataFrame:
    """Explode multipart parcels and merge slivers under ``min_area`` into their longest neighbour."""
    parcels = parcels.explode(index_parts=False).reset_index(drop=True)
    parcels = parcels[parcels.geometry.geom_type == "Polygon"].reset_index(drop=True)
    small = np.flatnonzero(parcels.area.to_numpy() < min_area)
    geoms = parcels.geometry.to_numpy().copy()
    drop = set()
    tree = shapely.STRtree(geoms)
    for i in small:
        cands = [j for j in tree.query(geoms[i], predicate="intersects") if j != i and j not in drop]
        best, best_len = None, 0.0
        for j in cands:
            shared = shapely.intersection(geoms[i].boundary, geoms[j].boundary).length
            if shared > best_len:
                best, best_len = j, shared
        if best is None:
            continue
        merged = shapely.union(geoms[best], geoms[i])
        if merged.geom_type == "Polygon":
            geoms[best] = merged
            drop.add(i)
    parcels = parcels.set_geometry(geoms)
    return parcels.drop(index=sorted(drop)).reset_index(drop=True)


def _node(parcels: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Node the coverage: rebuild every parcel from the noded linework, so neighbours share vertices.

    Cutting blocks independently leaves a vertex on one side of a shared edge and not on the other;
    coverage operations (dissolve by coverage, coverage simplification for the map) need them matched.
    """
    lines = shapely.union_all(parcels.boundary.to_numpy(), grid_size=0.001)
    faces = np.array(list(shapely.polygonize(list(getattr(lines, "geoms", [lines]))).geoms), dtype=object)
    points = shapely.point_on_surface(faces)
    tree = shapely.STRtree(parcels.geometry.to_numpy())
    face_idx, parcel_idx = tree.query(points, predicate="within")
    owner = np.full(len(faces), -1)
    owner[face_idx] = parcel_idx
    if (owner < 0).any():  # gaps: give each to the parcel it shares most edge with
        for f in np.flatnonzero(owner < 0):
            cands = tree.query(faces[f], predicate="intersects")
            lengths = [shapely.intersection(faces[f].boundary, parcels.geometry.iloc[c].boundary).length
                       for c in cands]
            owner[f] = cands[int(np.argmax(lengths))]
    geoms = []
    for i in range(len(parcels)):
        mine = faces[owner == i]
        geoms.append(mine[0] if len(mine) == 1 else shapely.union_all(mine, grid_size=0.001))
    return parcels.set_geometry(geoms)


def _corridor_villages(parcels: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Give each road and canal parcel the village it shares the most edge with, so villages have no enclaves."""
    out = parcels.copy()
    geoms = out.geometry.to_numpy()
    corridor = (out["kind"] == "corridor").to_numpy()
    village = out["village"].to_numpy().copy()
    tree = shapely.STRtree(geoms)
    for i in np.flatnonzero(corridor):
        shared: dict[str, float] = {}
        for j in tree.query(geoms[i], predicate="intersects"):
            if corridor[j]:
                continue
            length = shapely.intersection(geoms[i].boundary, geoms[j].boundary).length
            shared[village[j]] = shared.get(village[j], 0.0) + length
        if shared:
            village[i] = max(sorted(shared), key=lambda v: shared[v])
    out["village"] = village
    return out


def _villages(parcels: gpd.GeoDataFrame, names: list[str]) -> gpd.GeoDataFrame:
    dissolved = parcels[["village", "geometry"]].dissolve(by="village", method="coverage")
    dissolved = dissolved.reindex(names)
    households = parcels[parcels["use"].isin(["ONT", "ONT+CLN"])].groupby("village").size().reindex(names).fillna(0)
    return gpd.GeoDataFrame(
        {"TEN": names, "LOAI": ["Thôn"] * len(names), "SOHO_UOC": households.astype(int).to_numpy()},
        geometry=dissolved.geometry.to_numpy(), crs=parcels.crs,
    )


def _number(parcels: gpd.GeoDataFrame, commune) -> gpd.GeoDataFrame:
    """Map sheets (500 m grid, numbered from the north-west) and parcel numbers within each sheet."""
    minx, miny, maxx, maxy = commune.bounds
    x0 = math.floor(minx / SHEET_SIZE_M) * SHEET_SIZE_M
    y1 = math.ceil(maxy / SHEET_SIZE_M) * SHEET_SIZE_M
    ncols = math.ceil((maxx - x0) / SHEET_SIZE_M)
    pts = parcels.geometry.representative_point()
    col = ((pts.x - x0) // SHEET_SIZE_M).astype(int)
    row = ((y1 - pts.y) // SHEET_SIZE_M).astype(int)
    cell = row * ncols + col
    used = np.sort(cell.unique())
    sheet_of = {c: i + 1 for i, c in enumerate(used)}
    out = parcels.copy()
    out["sheet"] = cell.map(sheet_of).astype(int)
    band = ((y1 - pts.y) // 40.0).astype(int)
    out["_band"], out["_x"] = band, pts.x
    out = out.sort_values(["sheet", "_band", "_x"], kind="stable")
    out["parcel_no"] = out.groupby("sheet").cumcount() + 1
    return out.drop(columns=["_band", "_x"]).sort_values(["sheet", "parcel_no"]).reset_index(drop=True)


def _attributes(rng: np.random.Generator, parcels: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Owners, legal areas, certificates, crops and VietGAP flags, in the fields of real exports."""
    n = len(parcels)
    drawn = parcels.area.to_numpy()
    owners = np.empty(n, dtype=object)
    notes = parcels.get("note", pd.Series([""] * n)).fillna("").to_numpy()
    use = parcels["use"].to_numpy()
    village = parcels["village"].to_numpy()
    public_codes = {"DGT", "DTL", "NTD", "TSC", "DYT", "DGD", "DTT", "DSH", "MNC"}
    community_codes = {"TON", "TIN"}
    forced_an = False
    for v in pd.unique(village):
        idx_v = np.flatnonzero(village == v)
        homes = [i for i in idx_v if use[i] in ("ONT", "ONT+CLN")]
        heads = [_person(rng) for _ in homes]
        if not forced_an and v == "Đông" and heads:
            heads[0] = "Nguyễn Văn An"
            forced_an = True
        for i, h in zip(homes, heads, strict=True):
            owners[i] = h
        # DCH draws an owner as TMD did, so the random sequence is unchanged; it is set to the commune below
        farm = [i for i in idx_v if use[i] in ("LUC", "LUK", "HNK", "CLN", "NTS", "TMD", "DCH")
                and owners[i] is None]
        weights = rng.gamma(2.0, 1.0, len(heads))
        weights /= weights.sum()
        for i in farm:
            if use[i] in ("LUC", "LUK", "NTS") and rng.random() < 0.05:
                owners[i] = PUBLIC_OWNER  # the commune's public-benefit land fund (quỹ đất công ích)
            else:
                owners[i] = heads[rng.choice(len(heads), p=weights)]
    for i in range(n):  # type: ignore[assignment]
        if owners[i] is None:
            if use[i] in community_codes:
                owners[i] = f"Cộng đồng dân cư thôn {village[i]}"
            elif use[i] == "DGD":
                owners[i] = notes[i] or PUBLIC_OWNER
            else:
                owners[i] = PUBLIC_OWNER

    legal = np.round(drawn, 1)
    private = np.array([u not in public_codes for u in use])
    differ = private & (rng.random(n) < 0.06)
    factor = 1 + np.clip(rng.normal(0, 0.04, n), -0.12, 0.12)
    legal[differ] = np.round(drawn[differ] * factor[differ], 1)
    old = private & ~differ & (rng.random(n) < 0.05)
    legal[old] = np.round(drawn[old])  # older surveys gave whole square metres

    cert = np.array([""] * n, dtype=object)
    has = private & (np.array([o != PUBLIC_OWNER for o in owners])) & (rng.random(n) < 0.91)
    for i in np.flatnonzero(has):
        cert[i] = f"{GCN_SERIES[rng.integers(len(GCN_SERIES))]} {rng.integers(100000, 999999):06d}"
    market = use == "DCH"  # the market is the commune's, with no certificate; set after every random draw
    owners[market] = PUBLIC_OWNER
    cert[market] = ""

    vietgap = np.zeros(n, dtype=int)
    crop = parcels["crop"].fillna("").to_numpy().copy()
    for i in range(n):  # type: ignore[assignment]
        if crop[i] == "Bưởi Diễn":
            vietgap[i] = int(rng.random() < 0.55)
        elif crop[i] == "Rau màu":
            vietgap[i] = int(rng.random() < 0.45)
    winter = np.array([""] * n, dtype=object)
    potato_villages = {"Vân An", "Sơn Quả 1", "Sơn Quả 2", "Sơn Quả 3", "Sơn Quả 4", "Sơn Quả 5"}
    rice_idx = [i for i in range(n) if use[i] == "LUC" and village[i] in potato_villages]
    total = 0.0
    for i in rng.permutation(rice_idx):
        if total >= 20.3 * 10_000:
            break
        winter[i] = "Khoai tây"
        total += drawn[i]

    out = gpd.GeoDataFrame(
        {
            "SHBANDO": parcels["sheet"].astype(int).to_numpy(),
            "SHTHUA": parcels["parcel_no"].astype(int).to_numpy(),
            "DIENTICH": legal,
            "MALOAIDAT": use,
            "TENCHU": owners,
            "DIACHI": [f"Thôn {v}" for v in village],
            "MAXA": COMMUNE_CODE,
            "CAYTRONG": crop,
            "VUDONG": winter,
            "VIETGAP": vietgap,
            "SOGCN": cert,
            "GHICHU": notes,
        },
        geometry=parcels.geometry.to_numpy(),
        crs=parcels.crs,
    )
    return out


def _concentrated_fields(rice_fields: gpd.GeoDataFrame, projects: gpd.GeoDataFrame, cores) -> gpd.GeoDataFrame:
    """The 2023 concentrated fields: contiguous rice blocks in Giữa, Cấm, Vân An and Chùa.

    Each field grows from the middle of its village's largest connected group of rice blocks (blocks
    touching across a field road or canal) until it reaches its target area; Chùa's lies inside the
    industrial cluster.
    """
    recovered = projects.geometry.union_all()
    cluster = projects.geometry.iloc[0]
    geoms = rice_fields.geometry.to_numpy()
    villages = rice_fields["THON"].to_numpy()
    # village, target rice area (ha), status, where the field lies
    wanted = [("Giữa", 33.0, "Duy trì", (396300.0, 2361950.0)), ("Cấm", 25.0, "Duy trì", (395000.0, 2361150.0)),
              ("Vân An", 30.0, "Duy trì", (395300.0, 2362250.0)), ("Chùa", 24.0, "Thu hồi", (397500.0, 2360000.0))]
    rows = []
    taken: set[int] = set()
    for village, target_ha, status, (cx, cy) in wanted:
        if status == "Thu hồi":
            ok = shapely.contains(cluster, shapely.point_on_surface(geoms))
        else:
            ok = ~shapely.intersects(geoms, recovered) & (shapely.distance(geoms, cores) > 60)
        ok &= villages == village
        centre = Point(cx, cy)
        order = sorted((i for i in np.flatnonzero(ok).tolist() if i not in taken),
                       key=lambda i: geoms[i].centroid.distance(centre))
        if not order:
            continue
        chosen, area = [order[0]], geoms[order[0]].area
        for i in order[1:]:
            if area >= target_ha * 10_000:
                break
            if shapely.distance(geoms[i], shapely.union_all(geoms[chosen])) > 12:
                continue  # keep the field one connected block
            chosen.append(i)
            area += geoms[i].area
        taken.update(chosen)
        block = shapely.union_all([g.buffer(6.5) for g in geoms[chosen]]).buffer(-6.5)
        block = shapely.make_valid(shapely.simplify(block, 0.05))
        if block.geom_type != "Polygon":
            block = max(block.geoms, key=lambda g: g.area)
        rows.append({"TEN": f"Cánh đồng tập trung thôn {village}", "THON": village, "NAM": 2023,
                     "TRANGTHAI": status, "geometry": shapely.set_precision(block, 0.001)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=rice_fields.crs)


def _line_layers(rng, highway, dao, commune_roads, names, seeds, field_roads, lanes, field_canals,
                 main_canals, commune):
    def parts(geom):
        return [g for g in getattr(geom, "geoms", [geom]) if g.length > 5]

    road_rows = [{"TEN": "Quốc lộ 37", "CAP": "Quốc lộ", "KETCAU": "Nhựa", "RONG_M": 24.0,
                  "geometry": highway.intersection(commune)}]
    for line in commune_roads:
        road_rows.append({"TEN": "Đường trục xã", "CAP": "Đường trục xã", "KETCAU": "Nhựa", "RONG_M": 8.0,
                          "geometry": line.intersection(commune)})
    for g in parts(shapely.line_merge(field_roads)):
        surface = "Bê tông" if rng.random() < 0.8 else "Đất"
        road_rows.append({"TEN": "", "CAP": "Đường nội đồng", "KETCAU": surface, "RONG_M": 5.0, "geometry": g})
    for g in parts(shapely.line_merge(lanes)):
        road_rows.append({"TEN": "", "CAP": "Đường ngõ xóm", "KETCAU": "Bê tông", "RONG_M": 4.0, "geometry": g})
    canal_rows = [{"TEN": "Kênh Đào", "CAP": "Kênh chính", "KETCAU": "Kênh đất", "RONG_M": 22.0,
                   "geometry": dao.intersection(commune)}]
    for g in parts(shapely.line_merge(main_canals)):
        canal_rows.append({"TEN": "", "CAP": "Kênh cấp 2", "KETCAU": "Kiên cố", "RONG_M": 7.0, "geometry": g})
    for g in parts(shapely.line_merge(field_canals)):
        lining = "Kiên cố" if rng.random() < 0.55 else "Kênh đất"
        canal_rows.append({"TEN": "", "CAP": "Kênh nội đồng", "KETCAU": lining, "RONG_M": 4.0, "geometry": g})
    roads = gpd.GeoDataFrame(road_rows, geometry="geometry", crs=LUONG_PHONG_EPSG).explode(index_parts=False)
    canals = gpd.GeoDataFrame(canal_rows, geometry="geometry", crs=LUONG_PHONG_EPSG).explode(index_parts=False)
    for f in (roads, canals):
        f["geometry"] = shapely.set_precision(f.geometry.values, 0.01)
    roads = roads[~roads.geometry.is_empty & (roads.geometry.geom_type == "LineString")].reset_index(drop=True)
    canals = canals[~canals.geometry.is_empty & (canals.geometry.geom_type == "LineString")].reset_index(drop=True)
    return roads, canals


def _rice_fields(parcels: gpd.GeoDataFrame, blocks: np.ndarray) -> gpd.GeoDataFrame:
    """Rice land by field block (xứ đồng): the rice parcels dissolved, with seasons and winter crop."""
    rice = parcels[parcels["MALOAIDAT"].isin(["LUC", "LUK"])].copy()
    rice["_block"] = blocks[rice.index.to_numpy()]
    rice["_potato"] = rice.geometry.area.where(rice["VUDONG"] == "Khoai tây", 0.0)
    rice["_area"] = rice.geometry.area
    groups = rice.groupby("_block", sort=True)
    rows = []
    for n, (_block, g) in enumerate(groups, start=1):
        code = g["MALOAIDAT"].mode().iloc[0]
        village = g["DIACHI"].iloc[0].removeprefix("Thôn ")
        potato_share = g["_potato"].sum() / g["_area"].sum()
        rows.append({
            "TEN": f"Đồng {village} {n}",
            "THON": village,
            "MALOAIDAT": code,
            "SOVU": 2 if code == "LUC" else 1,
            "VUXUAN": "Lúa",
            "VUMUA": "Lúa" if code == "LUC" else "",
            "VUDONG": "Khoai tây" if potato_share > 0.5 else "",
            "SOTHUA": len(g),
            "geometry": shapely.union_all(g.geometry.to_numpy()),
        })
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=parcels.crs)


def _ponds(rng, parcels: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    ponds = parcels[parcels["MALOAIDAT"] == "NTS"].copy().reset_index(drop=True)
    area = ponds.area.to_numpy()
    order = rng.permutation(len(ponds))
    vietgap = np.zeros(len(ponds), dtype=int)
    total, target = 0.0, 0.55 * area.sum()
    for i in order:
        if total >= target:
            break
        vietgap[i] = 1
        total += area[i]
    use = np.array(["Nuôi cá thương phẩm"] * len(ponds), dtype=object)
    nursery = np.argsort(area)[len(area) // 2: len(area) // 2 + 2]
    use[nursery] = "Ương cá giống"
    return gpd.GeoDataFrame(
        {"SHBANDO": ponds["SHBANDO"], "SHTHUA": ponds["SHTHUA"], "THON": ponds["DIACHI"].str.removeprefix("Thôn "),
         "TENCHU": ponds["TENCHU"], "MUCDICH": use, "VIETGAP": vietgap, "DIENTICH": ponds["DIENTICH"]},
        geometry=ponds.geometry.to_numpy(), crs=parcels.crs)


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
