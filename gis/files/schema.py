"""The parcel schema: the field names real exports use, mapped to one internal set.

MicroStation, ViLIS, VBDLIS and QGIS exports name the same attribute in different ways (see domain.md).
:func:`normalise_parcels` renames the known variants, case-insensitively, to the internal names below and
adds the derived columns every other module relies on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gis.core import landuse
from gis.core.errors import SchemaError

#: Internal name -> the names seen in real exports (matched case-insensitively, first hit wins).
PARCEL_FIELDS: dict[str, tuple[str, ...]] = {
    "sheet": ("SHBANDO", "SoHieuToBanDo", "soto", "sotobd", "tobd", "SoTo"),
    "parcel_no": ("SHTHUA", "SoThuTuThua", "sothua", "thua", "SoThua"),
    "legal_area_m2": ("DIENTICHPL", "DienTichPhapLy", "dt_pl"),
    "area_m2_field": ("DIENTICH", "DienTich", "dientich"),
    "land_use": ("MALOAIDAT", "KHLOAIDAT", "KyHieuMucDichSuDung", "loaidat", "mdsd"),
    "owner": ("TENCHU", "chusudung", "chu_sd", "TenChuSuDung"),
    "address": ("DIACHI", "DiaChi", "dia_chi"),
    "commune_code": ("MaXa", "XAID", "MAXA"),
    "crop": ("CAYTRONG", "cay_trong"),
    # crops a year on a rice parcel (1, 2 or 3): overrides the land-use code's count in the grain estimate
    "crops_per_year": ("SOVU", "so_vu", "SoVuLua", "so_vu_lua", "SOVUTRONG", "crops_per_year"),
    "vietgap": ("VIETGAP",),
    "certificate": ("SOGCN", "SoGCN", "so_gcn", "SoSerial"),
    "citizen_id": ("CCCD", "SoCCCD", "so_cccd", "SOCMND", "CMND", "so_cmnd", "SoDinhDanh", "MaDinhDanh"),
    "user_code": ("MACHU", "MaChuSuDung", "ma_chu_sd", "MaNguoiSuDung", "MaChu", "ma_chu"),
    "scale": ("TYLE", "TyLe", "ty_le", "tyle_bd", "TyLeBanDo", "scale"),
    "former_unit": ("XA_CU", "XaCu", "TenXaCu", "former_unit"),
}

#: The fields without which a parcel layer cannot serve.
REQUIRED = ("sheet", "parcel_no", "land_use")

#: Internal name -> (Vietnamese, English) label, for tables and cards.
LABELS: dict[str, tuple[str, str]] = {
    "sheet": ("Tờ bản đồ số", "Map sheet"),
    "parcel_no": ("Thửa số", "Parcel number"),
    "legal_area_m2": ("Diện tích pháp lý (m²)", "Legal area (m²)"),
    "map_area_m2": ("Diện tích đo trên bản đồ (m²)", "Drawn area (m²)"),
    "land_use": ("Mã loại đất", "Land-use code"),
    "land_use_name": ("Loại đất", "Land use"),
    "owner": ("Chủ sử dụng đất", "Land user"),
    "address": ("Địa chỉ", "Address"),
    "village": ("Thôn", "Village"),
    "commune_code": ("Mã xã", "Commune code"),
    "crop": ("Cây trồng", "Crop"),
    "crops_per_year": ("Số vụ lúa mỗi năm", "Rice crops per year"),
    "vietgap": ("VietGAP", "VietGAP"),
    "certificate": ("Số GCN QSDĐ", "Certificate no."),
    "citizen_id": ("Số CCCD / định danh", "Citizen ID"),
    "user_code": ("Mã chủ sử dụng", "Land-user code"),
    "scale": ("Tỷ lệ bản đồ", "Map scale"),
    "former_unit": ("Xã, thị trấn cũ", "Former commune"),
}


def match_fields(columns: list[str], variants: dict[str, tuple[str, ...]] = PARCEL_FIELDS) -> dict[str, str]:
    """Map source column names to internal names.

    Returns ``{source_column: internal_name}`` for every column that matches a known variant.
    """
    lower = {c.lower(): c for c in columns}
    mapping: dict[str, str] = {}
    for internal, names in variants.items():
        for name in names:
            source = lower.get(name.lower())
            if source is not None and source not in mapping:
                mapping[source] = internal
                break
    return mapping


#: Kinds of column (:func:`pandas.api.types.infer_dtype`) whose equal values are the same value.
ONE_TYPE = frozenset({"string", "empty", "integer", "floating", "boolean", "decimal", "categorical", "bytes"})


def map_values(values: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """``values.map(fn)``, calling ``fn`` once per distinct value (a commune has a few dozen land-use codes and
    villages among 100 000 parcels); aligned to ``values``' index, object dtype."""
    if pd.api.types.infer_dtype(values, skipna=True) not in ONE_TYPE:
        # mixed types (1 and 1.0 and True hash alike but may read differently), unhashable values: one call a row
        return values.map(fn).astype(object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    missing = values[codes < 0]
    na = fn(missing.iloc[0]) if len(missing) else None
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [fn(u) for u in uniques]
    mapped[-1] = na
    return pd.Series(mapped[codes], index=values.index, dtype=object, name=values.name)


def _map_kept_coded(values: pd.Series, fn: Callable[[Any], Any]) -> pd.Series:
    """:func:`map_values`, but a :class:`pandas.Categorical` column (a layer read through
    :func:`gis.files.window.open_window`) gives a Categorical of the same cells, ``fn`` called once per category:
    its ``astype(object)`` is what :func:`map_values` gives. Not when a Categorical cannot hold that: a category
    mapped to anything but a text, or missing values not mapped to NaN (then :func:`map_values`' object column)."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return map_values(values, fn)
    codes = values.cat.codes.to_numpy()
    mapped = [fn(c) for c in values.cat.categories.tolist()]
    if not all(isinstance(m, str) for m in mapped):
        return map_values(values, fn)
    missing = np.flatnonzero(codes < 0)
    if len(missing):
        blank = fn(values.iloc[int(missing[0])])
        if not (isinstance(blank, float) and np.isnan(blank)):
            return map_values(values, fn)
    again, distinct = pd.factorize(np.array(mapped, dtype=object))  # two categories may map to one text
    return coded_series(again, distinct, codes, like=values)


def coded_series(again: np.ndarray, distinct: Any, codes: np.ndarray, *, like: pd.Series) -> pd.Series:
    """A :class:`pandas.Categorical` series aligned to ``like``: row ``k`` holds ``distinct[again[codes[k]]]``
    (``codes`` -1: missing). ``distinct`` must be distinct texts (as :func:`pandas.factorize` gives them), which
    is not checked again: the categories are made by pandas' fast path."""
    dtype = pd.CategoricalDtype._from_fastpath(pd.Index(distinct, dtype=object), ordered=False)
    return pd.Series(pd.Categorical.from_codes(np.append(again, -1)[codes], dtype=dtype), index=like.index,
                     name=like.name)


def _legal_areas(values: pd.Series) -> pd.Series:
    """Legal areas as positive finite floats, NaN where a value is not one (see :func:`gis.files.checks.legal_area_value`)."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.astype(float)
        return numbers.where(np.isfinite(numbers) & (numbers > 0))
    from gis.files.checks import legal_area_value

    return pd.to_numeric(map_values(values, legal_area_value), errors="coerce")


def village_from_address(address: object) -> str | None:
    """The village name in an address: ``"Thôn Cấm, xã Lương Phong"`` gives ``"Cấm"``."""
    if address is None or (isinstance(address, float) and pd.isna(address)):
        return None
    first = str(address).split(",")[0].strip()
    for prefix in ("thôn ", "Thôn ", "THÔN ", "xóm ", "Xóm ", "tổ dân phố ", "Tổ dân phố ", "TDP ", "tổ ", "Tổ "):
        if first.startswith(prefix):
            return first[len(prefix) :].strip() or None
    return first or None


def normalise_parcels(frame: gpd.GeoDataFrame, *, source: str) -> gpd.GeoDataFrame:
    """Rename a parcel layer's fields to the internal schema and add the derived columns.

    Adds ``land_use`` (upper-case, the full value such as ``"ONT+CLN"``), ``land_use_main`` (its first
    code, for colours), ``group`` (of the whole value: ``"mixed"`` when the parts' groups differ), ``legal_area_m2`` (from the legal-area field, else from ``DIENTICH``), ``village``
    (from the address) and ``map_area_m2`` (the drawn area in the layer's CRS); the derived columns are
    object columns, or :class:`pandas.Categorical` ones of the same cells when they derive from one. Raises
    :class:`SchemaError` naming the missing fields and the names looked for.
    """
    from gis.core.area import area_m2  # local: area imports nothing from here, but keep the layering plain

    mapping = match_fields(list(frame.columns))
    found = set(mapping.values())
    missing = [f for f in REQUIRED if f not in found]
    if missing:
        looked = "; ".join(f"{f}: {', '.join(PARCEL_FIELDS[f])}" for f in missing)
        raise SchemaError(
            f"Lớp thửa đất «{source}» thiếu trường bắt buộc ({looked}). Hãy đổi tên trường trong QGIS "
            "hoặc chọn trường tương ứng ở bước ghép trường.",
            f"Parcel layer '{source}' lacks required fields ({looked}). Rename them in QGIS or pick the "
            "matching fields in the field-mapping step.",
        )
    out = frame.rename(columns=mapping).copy()
    if "legal_area_m2" not in out.columns and "area_m2_field" in out.columns:
        out = out.rename(columns={"area_m2_field": "legal_area_m2"})
    if "legal_area_m2" in out.columns:  # only positive finite areas: −100, 0, NaN, inf, text become missing
        out["legal_area_m2"] = _legal_areas(out["legal_area_m2"])
    out["land_use"] = _map_kept_coded(out["land_use"], landuse.normalise)
    out["land_use_main"] = _map_kept_coded(out["land_use"], landuse.primary_code)
    out["group"] = _map_kept_coded(out["land_use"], landuse.group_of)
    if "address" in out.columns:
        out["village"] = _map_kept_coded(out["address"], village_from_address)
    out["map_area_m2"] = area_m2(out, source=source)
    return out
