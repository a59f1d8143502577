"""Measuring a plan's targets on a dataset: :func:`evaluate` gives one :class:`Result` per target.

Each target is measured as its ``measure`` says (see the plan file's header comment for the kinds), given
its status by the rule of its comparison (:mod:`gis.jobs.targets.status`), and estimates are computed after
the targets they multiply (:func:`estimate_terms` gives their terms for the page).

Rice and grain
--------------
Rice crop-hectares (``kind = "crop_area"``) are Σ area × crops a year over the rice parcels: the crops of
a parcel are its crop-count field (``crops_per_year``, see :mod:`gis.files.schema`) when it holds 1 to 3, else
the plan's parameter for its land-use code (LUC two crops, LUK one). A parcel with a mixed code (LUK+ONT)
is not counted as rice: how much of it is rice is not known, and counting it whole would overstate rice
land; its area is reported apart. The grain estimate multiplies the crop-hectares by the yield per crop.

Years
-----
A measure with ``year = 2023`` counts the features of that year only (a year field, or the year of a
decision date; :func:`feature_years`); a layer with no year makes the figure "not measurable", with the
reason, never the total of all years. ``outside``/``inside`` another layer use that layer as it stands in
the plan's year: a recovery decided after it is not subtracted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from gis.core import landuse
from gis.core.area import M2_PER_HA, repaired
from gis.core.text import Text
from gis.files.io import Dataset
from gis.jobs.targets.labels import LAYER_NAMES
from gis.jobs.targets.plan import Plan, Target
from gis.jobs.targets.status import (
    ESTIMATE,
    NOT_MEASURED,
    progress_of,
    rule_text,
    status_of,
    status_text,
)

#: Columns that give the year of a feature (a recovery decision), matched case-insensitively, first hit wins;
#: then date columns whose year is taken.
YEAR_FIELDS = ("NAM", "year", "NAMQD", "NAM_QD", "nam_thu_hoi")
DATE_FIELDS = ("NGAYQD", "NGAY_QD", "ngay_qd", "decision_date", "NGAYTHUHOI")


@dataclass
class Result:
    """One target measured: what the plan asks, what the map gives, and the status."""

    target: Target
    measured: float | None
    status: str
    source_vi: str
    source_en: str
    entered_at: str | None = None
    also_status: str | None = None
    details: dict[str, float] = field(default_factory=dict)
    placeholders: tuple[str, ...] = ()
    reason_vi: str = ""
    reason_en: str = ""

    @property
    def progress(self) -> float | None:
        """Progress for a bar (1.0 = 100 %), by the rule of the comparison; ``None`` where it means nothing.

        See the module's table: it never says 100 % for a target that is not met, nor less for a met one,
        and it is ``None`` for an estimate resting on a placeholder.
        """
        if self.status == ESTIMATE:
            return None
        t = self.target
        return progress_of(t.compare, t.planned, self.measured, risk_pct=t.risk_pct, tolerance_pct=t.tolerance_pct)

    def status_label(self, lang: str = "vi") -> str:
        """The status in words; an estimate names the placeholders it rests on."""
        return status_text(self.status, self.placeholders, lang)

    def reason(self, lang: str = "vi") -> str:
        return self.reason_vi if lang == "vi" else self.reason_en

    def as_dict(self, lang: str = "vi") -> dict[str, Any]:
        t = self.target
        planned = list(t.planned) if isinstance(t.planned, tuple) else t.planned
        out: dict[str, Any] = {
            "key": t.key, "label": t.label(lang), "section": t.section, "planned": planned,
            "measured": None if self.measured is None else round(self.measured, 4), "unit": t.unit,
            "compare": t.compare, "status": self.status, "status_label": self.status_label(lang),
            "progress": None if self.progress is None else round(self.progress, 4),
            "rule": rule_text(t.compare, lang),
            "source": self.source_vi if lang == "vi" else self.source_en,
        }
        if self.placeholders:
            out["placeholders"] = list(self.placeholders)
        if self.reason_vi:
            out["reason"] = self.reason(lang)
        if self.details:
            out["details"] = {k: round(v, 4) for k, v in self.details.items()}
        if self.entered_at:
            out["entered_at"] = self.entered_at
        if t.also:
            out["also"] = {"planned": t.also.get("planned"), "compare": t.also.get("compare"),
                           "section": t.also.get("section"), "status": self.also_status,
                           "status_label": status_text(self.also_status or NOT_MEASURED, self.placeholders, lang)}
            out["note"] = t.note_vi if lang == "vi" else t.note_en
        return out
# -- measuring ----------------------------------------------------------------------------------------


def where_mask(frame: pd.DataFrame, where: dict[str, Any] | None) -> pd.Series:
    """The rows of ``frame`` a measure's filter (``where``, ``numerator``, ``denominator``) keeps.

    A filter maps a column to a value, a list of values, ``{not_empty = true}`` or ``{not = value}``; a
    column the frame lacks keeps nothing. A mixed land-use code (LUK+ONT) never matches a code filter.
    """
    mask = pd.Series(True, index=frame.index)
    for column, wanted in (where or {}).items():
        if column not in frame.columns:
            return pd.Series(False, index=frame.index)
        values = frame[column]
        if column == "land_use_main" and "land_use" in frame.columns:
            # a mixed code (LUK+ONT) is not wholly its first part: it does not match a code filter
            mask &= ~frame["land_use"].map(landuse.is_mixed).astype(bool)
        if isinstance(wanted, dict):
            if wanted.get("not_empty"):
                mask &= values.notna() & (values.astype(str).str.strip() != "")
            if "not" in wanted:
                mask &= values != wanted["not"]
        elif isinstance(wanted, list):
            mask &= values.isin(wanted)
        else:
            mask &= values == wanted
    return mask


def _find_column(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    lower = {str(c).casefold(): str(c) for c in frame.columns}
    return next((lower[n.casefold()] for n in names if n.casefold() in lower), None)


def feature_years(frame: pd.DataFrame) -> tuple[pd.Series, str] | None:
    """The year of each feature and the column it comes from, or ``None`` when the layer has no year.

    A year column (:data:`YEAR_FIELDS`) is read as a whole number; else a date column (:data:`DATE_FIELDS`)
    gives its year (``dd/mm/yyyy`` or ISO dates). Values that give no year are missing (``<NA>``).
    """
    column = _find_column(frame, YEAR_FIELDS)
    if column is not None:
        return pd.to_numeric(frame[column], errors="coerce").round().astype("Int64"), column
    column = _find_column(frame, DATE_FIELDS)
    if column is not None:
        text = frame[column].astype("string")
        found = text.str.extract(r"((?:19|20)\d\d)", expand=False)
        return pd.to_numeric(found, errors="coerce").astype("Int64"), column
    return None


def _crops_of(frame: pd.DataFrame, crops: dict[str, str], parameters: dict[str, float]) -> pd.Series:
    """Crops a year of each parcel: its crop-count field when it holds 1 to 3, else its code's parameter."""
    by_code = frame["land_use_main"].map(lambda c: parameters.get(crops.get(str(c), ""), float("nan")))
    by_code = by_code.astype(float)
    if "crops_per_year" not in frame.columns:
        return by_code
    field_value = pd.to_numeric(frame["crops_per_year"], errors="coerce")
    usable = field_value.between(1, 3) & (field_value == field_value.round())
    return field_value.where(usable, by_code).astype(float)


def _describe(measure: dict[str, Any], lang: str) -> str:
    kind = measure.get("kind")
    vi = lang == "vi"
    if kind == "manual":
        return "Nhập tay" if vi else "Entered by hand"
    if kind == "estimate":
        terms = " + ".join(" × ".join(term) for term in measure.get("terms", []))
        return ("Ước tính: " if vi else "Estimate: ") + terms
    parts = [f"{'lớp' if vi else 'layer'} {measure.get('layer')}"]
    for key in ("where", "numerator", "denominator"):
        if measure.get(key):
            cond = ", ".join(f"{k} = {v}" for k, v in measure[key].items())
            parts.append(f"{key}: {cond}")
    if measure.get("crops"):
        parts.append(("số vụ: " if vi else "crops: ") + ", ".join(f"{k} = {v}" for k, v in measure["crops"].items()))
    if measure.get("year") is not None:
        parts.append(f"{'năm' if vi else 'year'} {measure['year']}")
    if measure.get("outside"):
        parts.append(("ngoài " if vi else "outside ") + measure["outside"])
    if measure.get("include_planned"):
        parts.append("kể cả cánh đồng quy hoạch mới" if vi else "planned fields included")
    return "; ".join(parts)


class Measurer:
    """Measures the targets of one plan on one dataset, keeping what the estimates and the page need:
    the values measured so far, the placeholders each rests on, the reasons a figure is not measurable and
    the details of crop areas."""

    def __init__(self, plan: Plan, dataset: Dataset, planned_fields: gpd.GeoDataFrame | None,
                 manual: dict[str, tuple[float, str, str]]):
        self.plan = plan
        self.dataset = dataset
        self.crs = dataset.parcels.crs
        from gis.jobs.fields import counted_fields

        # the workspace's fields count only when adopted, and only on the dataset they were drawn on
        self.planned_fields = counted_fields(planned_fields, dataset)
        self.manual = manual
        self.values: dict[str, float | None] = {}
        self.placeholders: dict[str, tuple[str, ...]] = {}
        self.reasons: dict[str, tuple[str, str]] = {}
        self.details: dict[str, dict[str, float]] = {}
        self._unions: dict[str, shapely.Geometry] = {}

    def layer(self, name: str) -> gpd.GeoDataFrame | None:
        frame = self.dataset.get(name)
        if frame is not None and frame.crs != self.crs:
            frame = frame.to_crs(self.crs)
        return frame

    def union(self, name: str) -> shapely.Geometry:
        """The dissolved features of layer ``name`` as they stand in the plan's year: a feature whose year
        (:func:`feature_years`) is after the plan's is left out (a recovery decided later has not yet taken
        the land); features with no year, and layers with no year field, count whole. Invalid features are
        :func:`~gis.core.area.repaired` before they are dissolved."""
        if name not in self._unions:
            frame = self.layer(name)
            if frame is not None and len(frame) and self.plan.year > 0:
                found = feature_years(frame)
                if found is not None:
                    frame = frame[~(found[0] > self.plan.year).fillna(False).to_numpy(dtype=bool)]
            self._unions[name] = shapely.union_all(repaired(frame.geometry.to_numpy())) \
                if frame is not None and len(frame) else shapely.Polygon()
        return self._unions[name]

    def _geoms(self, frame: gpd.GeoDataFrame, measure: dict[str, Any]) -> gpd.GeoSeries:
        """The shapes of ``frame``, cut by the measure's ``outside`` and ``inside`` layers when it names them
        (an invalid shape cut is :func:`~gis.core.area.repaired` first)."""
        geoms = frame.geometry
        if measure.get("outside"):
            cut = self.union(measure["outside"])
            if not cut.is_empty:
                hit = geoms.intersects(cut)
                geoms = geoms.copy()
                geoms[hit] = repaired(geoms[hit]).difference(cut)
        if measure.get("inside"):
            geoms = repaired(geoms).intersection(self.union(measure["inside"]))
        return geoms

    def select(self, frame: gpd.GeoDataFrame, measure: dict[str, Any], key: str | None = None) -> gpd.GeoDataFrame | None:
        """The features of ``frame`` of the measure's ``year`` (all when it names none); ``None`` when the
        measure names a year and the layer has none (the reason is kept under ``key``)."""
        year = measure.get("year")
        if year is None:
            return frame
        found = feature_years(frame)
        layer = LAYER_NAMES.get(measure.get("layer", ""), Text(measure.get("layer", ""), measure.get("layer", "")))
        if found is None:
            if key:
                self.reasons[key] = (
                    f"Chỉ tiêu tính cho năm {year} nhưng lớp {layer.vi} không có trường năm "
                    f"({', '.join(YEAR_FIELDS)}) hay ngày quyết định ({', '.join(DATE_FIELDS)}); không lấy tổng "
                    "mọi năm thay cho năm đó.",
                    f"The target is for {year} but the {layer.en} layer has no year field "
                    f"({', '.join(YEAR_FIELDS)}) nor decision date ({', '.join(DATE_FIELDS)}); the total of all "
                    "years is not used in its place.")
            return None
        years, _column = found
        return frame[(years == int(year)).fillna(False).to_numpy(dtype=bool)]

    def measure(self, target: Target) -> tuple[float | None, str | None]:
        m = target.measure
        kind = m["kind"]
        if kind == "manual":
            if target.key in self.manual:
                value, at, _note = self.manual[target.key]
                return value, at
            return None, None
        if kind == "estimate":
            total = 0.0
            resting: list[str] = []
            for term in m["terms"]:
                base = self.values.get(term[0])
                if base is None:
                    return None, None
                product = base
                resting += [p for p in self.placeholders.get(term[0], ()) if p not in resting]
                for name in term[1:]:
                    product *= self.plan.parameters[name]
                    if name in self.plan.placeholders and name not in resting:
                        resting.append(name)
                total += product
            self.placeholders[target.key] = tuple(resting)
            return total, None
        full = self.layer(m["layer"])
        if m["layer"] == "parcels" and target.key == self.plan.roles.get("rice_before") \
                and self.dataset.parcels_before_recovery is not None:
            # recoveries entered in the land ledger: the land before recovery is the ledger's, before the first
            full = self.dataset.parcels_before_recovery
        if full is None:
            return None, None
        frame = self.select(full, m, target.key)
        if frame is None:
            return None, None
        if kind == "area":
            sub = frame[where_mask(frame, m.get("where"))]
            return float(self._geoms(sub, m).area.sum()) / M2_PER_HA, None
        if kind == "crop_area":
            return self.crop_area(target.key, frame, m), None
        if kind == "union_area":
            sub = frame[where_mask(frame, m.get("where"))]
            shape = shapely.union_all(repaired(self._geoms(sub, m).to_numpy()))  # dissolved as repaired
            if m.get("include_planned") and self.planned_fields is not None and len(self.planned_fields):
                extra = shapely.union_all(repaired(self.planned_fields.to_crs(self.crs).geometry.to_numpy()))
                if m.get("outside"):
                    extra = extra.difference(self.union(m["outside"]))
                shape = shapely.union(shape, extra)
            return float(shape.area) / M2_PER_HA, None
        if kind == "count":
            n = int(where_mask(frame, m.get("where")).sum())
            if m.get("include_planned") and self.planned_fields is not None:
                n += len(self.planned_fields)
            return float(n), None
        if kind == "villages_with":
            sub = frame[where_mask(frame, m.get("where"))]
            present = set(sub["village"]) if "village" in sub.columns else set()
            return float(sum(1 for v in m.get("villages", []) if v in present)), None
        if kind in ("share", "length_share"):
            den = frame[where_mask(frame, m.get("denominator"))]
            num = den[where_mask(den, m.get("numerator"))]
            if kind == "length_share":
                d, n = den.geometry.length.sum(), num.geometry.length.sum()
            elif m.get("by") == "count":
                d, n = len(den), len(num)
            else:
                d, n = self._geoms(den, m).area.sum(), self._geoms(num, m).area.sum()
            return (100.0 * float(n) / float(d) if d else None), None
        raise ValueError(kind)

    def crop_area(self, key: str, frame: gpd.GeoDataFrame, m: dict[str, Any]) -> float | None:
        """Crop-hectares: Σ area × crops a year over the parcels of the measure's codes (not mixed ones)."""
        if "land_use_main" not in frame.columns:
            return None
        crops: dict[str, str] = m["crops"]
        codes = list(crops)
        mixed = frame["land_use"].map(landuse.is_mixed).astype(bool) if "land_use" in frame.columns else \
            pd.Series(False, index=frame.index)
        wanted = frame["land_use_main"].isin(codes)
        where = where_mask(frame, m.get("where")) if m.get("where") else pd.Series(True, index=frame.index)
        sub = frame[wanted & ~mixed & where]
        area_ha = self._geoms(sub, m).area / M2_PER_HA
        n = _crops_of(sub, crops, self.plan.parameters)
        details: dict[str, float] = {}
        for code in codes:
            hit = (sub["land_use_main"] == code).to_numpy()
            if hit.any():
                details[f"{code}_ha"] = float(area_ha[hit].sum())
                details[f"{code}_crop_ha"] = float((area_ha[hit] * n[hit]).sum())
        if "crops_per_year" in sub.columns:
            field_value = pd.to_numeric(sub["crops_per_year"], errors="coerce")
            details["parcels_with_crop_count"] = float((field_value.between(1, 3)
                                                        & (field_value == field_value.round())).sum())
        left_out = frame[wanted & mixed & where]
        if len(left_out):
            details["mixed_left_out_ha"] = float(self._geoms(left_out, m).area.sum()) / M2_PER_HA
        self.details[key] = details
        return float((area_ha * n).sum())


def evaluate(plan: Plan, dataset: Dataset, *, planned_fields: gpd.GeoDataFrame | None = None,
             manual: dict[str, tuple[float, str, str]] | None = None) -> list[Result]:
    """Measure every target of ``plan`` on ``dataset``.

    The target of the role ``rice_before`` is measured on the parcels before the first recovery entered in the
    land ledger when the dataset carries them (:attr:`gis.files.io.Dataset.parcels_before_recovery`, from
    :func:`gis.jobs.ledger.asof.dated`); every other parcel measure on the dataset's parcels (those of its date).

    ``planned_fields`` are new concentrated fields from the workspace (they count where a measure says
    ``include_planned``); ``manual`` holds values entered by hand, ``{key: (value, entered_at, note)}``.
    Estimates are computed after the targets they use.
    """
    measurer = Measurer(plan, dataset, planned_fields, manual or {})
    order = sorted(plan.targets, key=lambda t: t.measure.get("kind") == "estimate")
    results: dict[str, Result] = {}
    for target in order:
        value, entered = measurer.measure(target)
        measurer.values[target.key] = value
        resting = measurer.placeholders.get(target.key, ())
        status = status_of(target.compare, target.planned, value, risk_pct=target.risk_pct,
                           tolerance_pct=target.tolerance_pct)
        if resting and status != NOT_MEASURED and target.compare != "report":
            status = ESTIMATE
        also_status = None
        if target.also:
            also_status = status_of(str(target.also.get("compare", "about")), float(target.also["planned"]), value,
                                    risk_pct=target.risk_pct, tolerance_pct=target.tolerance_pct)
            if resting and also_status != NOT_MEASURED:
                also_status = ESTIMATE
        reason = measurer.reasons.get(target.key, ("", ""))
        source_vi, source_en = _describe(target.measure, "vi"), _describe(target.measure, "en")
        if target.key == plan.roles.get("rice_before") and dataset.parcels_before_recovery is not None:
            source_vi += " (theo sổ biến động: hiện trạng trước lần thu hồi đầu tiên đã ghi)"
            source_en += " (from the land ledger: the land before the first recovery entered)"
        results[target.key] = Result(target=target, measured=value, status=status,
                                     source_vi=source_vi, source_en=source_en, entered_at=entered,
                                     also_status=also_status, details=measurer.details.get(target.key, {}),
                                     placeholders=resting, reason_vi=reason[0], reason_en=reason[1])
    return [results[t.key] for t in plan.targets]
@dataclass(frozen=True)
class EstimateTerm:
    """One term of an estimate: a measured target times parameters (``None`` when not measurable)."""

    key: str
    base: float | None
    factors: tuple[tuple[str, float], ...]

    @property
    def value(self) -> float | None:
        if self.base is None:
            return None
        product = self.base
        for _name, factor in self.factors:
            product *= factor
        return product


def estimate_terms(plan: Plan, results: list[Result], key: str) -> list[EstimateTerm]:
    """The terms of estimate ``key`` with the measured values of ``results`` and the plan's parameters."""
    target = plan.target(key)
    if target.measure.get("kind") != "estimate":
        raise ValueError(f"{key} is not an estimate")
    measured = {r.target.key: r.measured for r in results}
    return [EstimateTerm(key=term[0], base=measured.get(term[0]),
                         factors=tuple((name, plan.parameters[name]) for name in term[1:]))
            for term in target.measure["terms"]]

