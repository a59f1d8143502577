"""The built-in data's figures computed here, independently of the tool, for the page tests to expect.

Everything is read from the shipped shapefiles with pyogrio and measured with shapely: no module of ``gis``
or ``layers`` is used, so a page test that compares its figure with these compares two computations, not a
number typed in after a run. Figures are written in the Vietnamese style by :func:`vn` (``1.234,56``), also
without the tool's formatter.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pyogrio
import shapely

from gis.files.io import BUILTIN_DATA_DIR


@cache
def recovered_land() -> shapely.Geometry:
    """The union of every recovered area of the built-in data (EPSG:9214)."""
    frame = pyogrio.read_dataframe(BUILTIN_DATA_DIR / "recovered_land.shp")
    return shapely.union_all(frame.geometry.to_numpy())


@cache
def _parcels():
    return pyogrio.read_dataframe(BUILTIN_DATA_DIR / "parcels.shp")


def _outside_m2(mask: np.ndarray) -> np.ndarray:
    """The drawn area of each parcel picked by ``mask`` outside the recovered land, in m²."""
    geoms = _parcels().geometry.to_numpy()[mask]
    return shapely.area(shapely.difference(geoms, recovered_land()))


def _main_code() -> np.ndarray:
    """Each parcel's main land-use code: the first of a mixed code such as ``ONT+CLN``."""
    return np.array([str(c).split("+")[0].strip().upper() for c in _parcels()["MALOAIDAT"]])


def rice_area_ha() -> float:
    """Rice land (LUA, LUC, LUK, LUN) outside the recovered land, in ha."""
    return float(_outside_m2(np.isin(_main_code(), ["LUA", "LUC", "LUK", "LUN"])).sum()) / 10_000


def rice_crop_ha(crops: dict[str, float]) -> float:
    """Σ area × crops a year over the rice parcels outside the recovered land, ``crops`` by main code, in ha."""
    main = _main_code()
    return sum(float(_outside_m2(main == code).sum()) * n for code, n in crops.items()) / 10_000


def crop_area_ha(names: list[str]) -> float:
    """The parcels whose crop (``CAYTRONG``) is one of ``names``, outside the recovered land, in ha."""
    crop = _parcels()["CAYTRONG"].fillna("").str.strip().to_numpy()
    return float(_outside_m2(np.isin(crop, names)).sum()) / 10_000


def fields_total_ha(extra: shapely.Geometry | None = None) -> float:
    """The concentrated fields kept (``TRANGTHAI`` "Duy trì"), with ``extra``, outside the recovered land, in ha."""
    kept = pyogrio.read_dataframe(BUILTIN_DATA_DIR / "concentrated_fields.shp")
    shape = shapely.union_all(kept[kept["TRANGTHAI"].str.strip() == "Duy trì"].geometry.to_numpy())
    if extra is not None:
        shape = shapely.union(shape, extra)
    return shapely.difference(shape, recovered_land()).area / 10_000


def vn(value: float, decimals: int) -> str:
    """``value`` as a Vietnamese reader writes it: ``.`` between thousands, ``,`` before the decimals."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def field_counts() -> tuple[int, int]:
    """``(kept, all)``: the concentrated fields kept (``TRANGTHAI`` "Duy trì") and all of them in the layer."""
    kept = pyogrio.read_dataframe(BUILTIN_DATA_DIR / "concentrated_fields.shp", read_geometry=False)
    return int((kept["TRANGTHAI"].str.strip() == "Duy trì").sum()), len(kept)
