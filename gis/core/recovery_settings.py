"""The settings of a land recovery report, read from ``gis/recovery_settings.toml``: tolerances, map scales,
support tiers and minimum parcel sizes.

:func:`load_settings` reads the shipped file (or another one) and :func:`settings_from_dict` checks the parsed
TOML, collecting every problem into one :class:`gis.core.errors.SchemaError`. This is the only file the
recovery reads itself (:mod:`gis.jobs.recovery` works on frames); the Data page's check
(:func:`gis.files.checks.check_parcels`) reads its map scales from here too, so both flag the same parcels.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from gis.core import landuse
from gis.core.area_tolerance import DEFAULT_SCALE, parse_scale
from gis.core.errors import DataSourceError, SchemaError
from gis.core.paths import package_path

DEFAULT_SETTINGS_PATH = package_path("recovery_settings.toml")


@dataclass(frozen=True)
class RecoverySettings:
    """Tolerances and thresholds of a recovery report (see ``gis/recovery_settings.toml``).

    Parameters
    ----------
    sliver_m2
        Recovered parts (and remainders) under this area are slivers.
    default_scale, sheet_scales
        The map scale (M of 1:M) of the legal-area tolerance (:func:`gis.core.area_tolerance.area_tolerance_m2`): per
        map sheet (keys as the sheet numbers are written), else ``default_scale``; a scale field in the
        data wins over both.
    severe_share_pct, over_share_pct
        The support tiers for households losing farm land (Nghị định 88/2024/NĐ-CP, Điều 19 khoản 1):
        from ``severe_share_pct`` to ``over_share_pct`` (both included), and over ``over_share_pct``.
        Households in either tier are severely affected.
    minimum_parcel_m2
        Minimum parcel size per land-use group; groups not listed have none.
    placeholder
        True while the figures are placeholders, not the province's.
    source
        Where the figures come from (a file path, or "built-in defaults").
    """

    sliver_m2: float = 1.0
    default_scale: int = DEFAULT_SCALE
    sheet_scales: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    severe_share_pct: float = 30.0
    over_share_pct: float = 70.0
    minimum_parcel_m2: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    placeholder: bool = True
    source: str = "built-in defaults"


_SETTINGS_KEYS: dict[str, dict[str, str]] = {
    "tolerances": {"sliver_m2": "sliver_m2"},
    "households": {"severe_share_pct": "severe_share_pct", "over_share_pct": "over_share_pct"},
}


def load_settings(path: str | Path | None = None) -> RecoverySettings:
    """Read recovery settings from a TOML file (the shipped defaults when ``path`` is ``None``).

    Every problem in the file is collected and reported together in one :class:`SchemaError`
    (:class:`DataSourceError` when the file is missing or not valid TOML), naming the file and the key.
    """
    path = Path(path) if path is not None else DEFAULT_SETTINGS_PATH
    if not path.is_file():
        raise DataSourceError(
            f"Không tìm thấy tệp cấu hình thu hồi đất «{path}».",
            f"Land recovery settings file '{path}' was not found.",
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataSourceError(
            f"Tệp cấu hình «{path.name}» không đúng cú pháp TOML: {exc}. Hãy sửa dòng được chỉ ra.",
            f"Settings file '{path.name}' is not valid TOML: {exc}. Fix the line it points to.",
        ) from exc
    return settings_from_dict(data, source=str(path))


def settings_from_dict(data: Mapping[str, Any], *, source: str = "settings") -> RecoverySettings:
    """Build :class:`RecoverySettings` from parsed TOML, collecting every problem into one error."""
    problems: list[tuple[str, str]] = []
    values: dict[str, Any] = {}

    def number(where: str, value: Any) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            problems.append((f"«{where}» phải là một số (đang là {value!r})",
                             f"'{where}' must be a number (it is {value!r})"))
            return None
        if value < 0:
            problems.append((f"«{where}» không được âm (đang là {value})",
                             f"'{where}' must not be negative (it is {value})"))
            return None
        return float(value)

    known_top = {"placeholder", "minimum_parcel_m2", "area_tolerance", *_SETTINGS_KEYS}
    for key in data:
        if key not in known_top:
            problems.append((f"mục «{key}» không được hỗ trợ", f"unknown entry '{key}'"))
    if "placeholder" in data:
        if isinstance(data["placeholder"], bool):
            values["placeholder"] = data["placeholder"]
        else:
            problems.append(("«placeholder» phải là true hoặc false", "'placeholder' must be true or false"))
    for table, keys in _SETTINGS_KEYS.items():
        section = data.get(table, {})
        if not isinstance(section, Mapping):
            problems.append((f"«{table}» phải là một bảng [{table}]", f"'{table}' must be a [{table}] table"))
            continue
        for key, value in section.items():
            if key not in keys:
                problems.append((f"khóa «{table}.{key}» không được hỗ trợ (dùng: {', '.join(keys)})",
                                 f"unknown key '{table}.{key}' (known: {', '.join(keys)})"))
                continue
            parsed = number(f"{table}.{key}", value)
            if parsed is not None:
                values[keys[key]] = parsed
    tolerance = data.get("area_tolerance", {})
    sheet_scales: dict[str, int] = {}
    if not isinstance(tolerance, Mapping):
        problems.append(("«area_tolerance» phải là một bảng [area_tolerance]",
                         "'area_tolerance' must be an [area_tolerance] table"))
        tolerance = {}
    for key, value in tolerance.items():
        if key == "default_scale":
            if parse_scale(value) is None or isinstance(value, str):
                problems.append((f"«area_tolerance.default_scale» phải là mẫu số tỷ lệ, ví dụ 2000 (đang là "
                                 f"{value!r})", f"'area_tolerance.default_scale' must be a scale denominator such "
                                 f"as 2000 (it is {value!r})"))
            else:
                values["default_scale"] = parse_scale(value)
        elif key == "sheet_scales" and isinstance(value, Mapping):
            for sheet, scale in value.items():
                parsed_scale = None if isinstance(scale, str) else parse_scale(scale)
                if parsed_scale is None:
                    problems.append((f"«area_tolerance.sheet_scales.{sheet}» phải là mẫu số tỷ lệ, ví dụ 1000 "
                                     f"(đang là {scale!r})", f"'area_tolerance.sheet_scales.{sheet}' must be a "
                                     f"scale denominator such as 1000 (it is {scale!r})"))
                else:
                    sheet_scales[str(sheet).strip()] = parsed_scale
        elif key not in ("formula", "source"):
            problems.append((f"khóa «area_tolerance.{key}» không được hỗ trợ (dùng: default_scale, sheet_scales)",
                             f"unknown key 'area_tolerance.{key}' (known: default_scale, sheet_scales)"))
    minimum = data.get("minimum_parcel_m2", {})
    sizes: dict[str, float] = {}
    if not isinstance(minimum, Mapping):
        problems.append(("«minimum_parcel_m2» phải là một bảng", "'minimum_parcel_m2' must be a table"))
    else:
        for group, value in minimum.items():
            if group not in landuse.GROUPS:
                problems.append((f"nhóm đất «{group}» không có (dùng: {', '.join(landuse.GROUPS)})",
                                 f"unknown land-use group '{group}' (known: {', '.join(landuse.GROUPS)})"))
                continue
            parsed = number(f"minimum_parcel_m2.{group}", value)
            if parsed is not None:
                sizes[group] = parsed
    if values.get("severe_share_pct", 30.0) > values.get("over_share_pct", 70.0):
        problems.append(("«households.severe_share_pct» phải nhỏ hơn «households.over_share_pct»",
                         "'households.severe_share_pct' must be below 'households.over_share_pct'"))
    if problems:
        raise SchemaError(
            f"Tệp cấu hình thu hồi đất «{source}» có lỗi: " + "; ".join(p[0] for p in problems) + ".",
            f"Land recovery settings '{source}' have errors: " + "; ".join(p[1] for p in problems) + ".",
        )
    return RecoverySettings(minimum_parcel_m2=MappingProxyType(sizes), sheet_scales=MappingProxyType(sheet_scales),
                            source=source, **values)

