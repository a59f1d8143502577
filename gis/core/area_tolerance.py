"""The cadastral tolerance between legal and drawn area, ΔP = 0.0004 × M × √P, and the map scale it is computed for.

:func:`area_tolerance_m2` is the rule of every check of legal against drawn area (the Data page's check, the
recovery table, the parcel card); :func:`parse_scale` reads a scale (the M of 1:M) as data and the recovery
settings write it. Which scale applies to which parcel is :func:`gis.files.checks.parcel_scales`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

#: Map scale (the M of 1:M) the legal-area tolerance is computed for when neither the data (a scale field)
#: nor the settings (``[area_tolerance]`` of ``gis/recovery_settings.toml``) give a sheet's own: 1:2000, the
#: usual scale of farmland sheets.
DEFAULT_SCALE = 2000
#: The coefficient of the tolerance: ΔP = 0.0004 × M × √P (2 × 0.0002 × M × √P).
TOLERANCE_COEFFICIENT = 0.0004


def area_tolerance_m2(legal_m2: Any, *, scale: Any = DEFAULT_SCALE) -> Any:
    """The difference allowed between legal and drawn area: ΔP = 0.0004 × M × √P (m²).

    ``P`` is the legal area in m², ``M`` the denominator of the map sheet's scale (1:M). The formula is the
    cadastral survey rules' limit on the error of a parcel's area read from a map of scale 1:M (Thông tư
    25/2014/TT-BTNMT on cadastral maps, amended by Thông tư 33/2017/TT-BTNMT; the accuracy rules are its
    Điều 7). The same rule serves every check of legal against drawn area (the Data page, the recovery
    table, the parcel card); ``gis/recovery_settings.toml`` holds the scales and writes the formula out.
    Scalars give a float, arrays an array.
    """
    values = TOLERANCE_COEFFICIENT * np.asarray(scale, dtype=float) * np.sqrt(
        np.maximum(np.asarray(legal_m2, dtype=float), 0.0))
    return float(values) if np.ndim(values) == 0 else values


def parse_scale(value: object) -> int | None:
    """The denominator M of a scale as data writes it: ``2000``, ``2000.0``, ``"1:2000"``, ``"1/2000"``,
    ``"1: 2.000"``; ``None`` for a blank or unreadable value."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        number_ = float(value)
    else:
        text = str(value).strip().replace(" ", "").replace(".", "").replace(",", "")
        for sep in (":", "/"):
            if sep in text:
                head, _, text = text.partition(sep)
                if head not in ("1", ""):
                    return None
        try:
            number_ = float(text)
        except ValueError:
            return None
    if not math.isfinite(number_) or number_ < 1 or not float(number_).is_integer():
        return None
    return int(number_)
