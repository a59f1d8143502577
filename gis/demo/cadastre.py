"""The cadastral attributes of the demonstration data: Lương Phong's codes, villages, numbering and owners.

The commune's census id and GSO code, the village each parcel belongs to (:func:`villages`,
:func:`corridor_villages`), the map sheet and parcel numbers (:func:`number`), and the invented owners,
land uses and certificates (:func:`person`, :func:`attributes`). Used by :mod:`gis.demo.builtin` and
:mod:`gis.demo.merged`; no files.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

#: Lương Phong in the 2009 census map, and its GSO code.
COMMUNE_ID = 2210927  # Lương Phong in the 2009 census map
COMMUNE_CODE = "07846"  # GSO code


SHEET_SIZE_M = 500.0


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


def person(rng: np.random.Generator) -> str:
    """An invented owner's full name: family, middle and given name, a man's in about 72 % of draws."""
    family = FAMILY[rng.integers(len(FAMILY))]
    if rng.random() < 0.72:
        return f"{family} {MIDDLE_M[rng.integers(len(MIDDLE_M))]} {GIVEN_M[rng.integers(len(GIVEN_M))]}"
    return f"{family} {MIDDLE_F[rng.integers(len(MIDDLE_F))]} {GIVEN_F[rng.integers(len(GIVEN_F))]}"


def corridor_villages(parcels: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
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


def villages(parcels: gpd.GeoDataFrame, names: list[str]) -> gpd.GeoDataFrame:
    """The village layer: the parcels dissolved by village, with an estimate of households (residential parcels)."""
    dissolved = parcels[["village", "geometry"]].dissolve(by="village", method="coverage")
    dissolved = dissolved.reindex(names)
    households = parcels[parcels["use"].isin(["ONT", "ONT+CLN"])].groupby("village").size().reindex(names).fillna(0)
    return gpd.GeoDataFrame(
        {"TEN": names, "LOAI": ["Thôn"] * len(names), "SOHO_UOC": households.astype(int).to_numpy()},
        geometry=dissolved.geometry.to_numpy(), crs=parcels.crs,
    )


def number(parcels: gpd.GeoDataFrame, commune) -> gpd.GeoDataFrame:
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


def attributes(rng: np.random.Generator, parcels: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
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
        heads = [person(rng) for _ in homes]
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
