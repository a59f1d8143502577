"""The demonstration layers drawn from the generated parcels: concentrated fields, roads and canals, rice
fields and aquaculture ponds (used by :func:`gis.demo.builtin.generate`; no files).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import Point

from gis.core.crs import LUONG_PHONG_EPSG


def concentrated_fields(rice_fields: gpd.GeoDataFrame, projects: gpd.GeoDataFrame, cores) -> gpd.GeoDataFrame:
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


def line_layers(rng, highway, dao, commune_roads, names, seeds, field_roads, lanes, field_canals,
                main_canals, commune):
    """The roads and canals layers (centre lines clipped to the commune, with class, surface and width)."""
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


def rice_fields(parcels: gpd.GeoDataFrame, blocks: np.ndarray) -> gpd.GeoDataFrame:
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


def ponds(rng, parcels: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The aquaculture ponds layer: the NTS parcels, about 55 % of their area VietGAP, two of them nurseries."""
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
