"""The plan's targets, set against what the map measures.

A plan file (``data/plans/2024.toml``) lists each target with its figure, how it compares and how it is
measured (see the comment at the top of that file). :func:`load_plan` reads and checks it, reporting every
problem with its line; :func:`evaluate` measures each target on a dataset and gives it a status.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from gis.area import M2_PER_HA
from gis.errors import GisError
from gis.io import ROOT, Dataset

PLANS_DIR = ROOT / "data" / "plans"

COMPARES = ("at_least", "at_most", "more_than", "less_than", "between", "about", "report")
KINDS = ("area", "union_area", "share", "length_share", "count", "villages_with", "estimate", "manual")
KNOWN_LAYERS = ("parcels", "villages", "rice_fields", "aquaculture_ponds", "concentrated_fields",
                "recovered_land", "roads", "canals", "commune")

MET, AT_RISK, NOT_MET, NOT_MEASURED, TRACKED = "met", "at_risk", "not_met", "not_measurable", "tracked"
STATUS_LABELS = {
    MET: ("Đạt", "Met"),
    AT_RISK: ("Có nguy cơ không đạt", "At risk"),
    NOT_MET: ("Chưa đạt", "Not met"),
    NOT_MEASURED: ("Chưa đo được", "Not measurable yet"),
    TRACKED: ("Theo dõi", "Tracked"),
}
COMPARE_LABELS = {
    "at_least": ("≥", "at least"), "at_most": ("≤", "at most"), "more_than": (">", "more than"),
    "less_than": ("<", "less than"), "between": ("từ … đến", "between"), "about": ("khoảng", "about"),
    "report": ("theo dõi", "tracked"),
}


class PlanError(GisError):
    """A plan file that cannot be used: every problem found, each with its line."""


@dataclass(frozen=True)
class Target:
    key: str
    label_vi: str
    label_en: str
    section: str
    unit: str
    compare: str
    planned: float | tuple[float, float] | None
    measure: dict[str, Any]
    risk_pct: float = 5.0
    tolerance_pct: float = 5.0
    also: dict[str, Any] | None = None
    note_vi: str = ""
    note_en: str = ""
    line: int = 0

    def label(self, lang: str = "vi") -> str:
        return self.label_vi if lang == "vi" else self.label_en


@dataclass(frozen=True)
class Plan:
    path: Path
    year: int
    title_vi: str
    title_en: str
    parameters: dict[str, float]
    targets: tuple[Target, ...]
    unit: str = ""  # whose plan: "xã Lương Phong (cũ)" for a plan of a former commune
    label_vi: str = ""  # how the tool names the plan: "Kế hoạch năm 2024 của xã Lương Phong (cũ)"
    label_en: str = ""

    def label(self, lang: str = "vi") -> str:
        """The plan's label in ``lang`` (its title when the file gives no label)."""
        if lang == "vi":
            return self.label_vi or self.title_vi
        return self.label_en or self.title_en or self.label_vi or self.title_vi

    def target(self, key: str) -> Target:
        return next(t for t in self.targets if t.key == key)


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

    @property
    def progress(self) -> float | None:
        """Measured over planned (0..1+) for a progress bar; ``None`` where it means nothing."""
        t = self.target
        if self.measured is None or t.planned is None:
            return None
        goal = t.planned[0] if isinstance(t.planned, tuple) else t.planned
        if t.compare in ("at_most", "less_than"):
            return 1.0 if self.measured <= goal else goal / self.measured if self.measured else 1.0
        return self.measured / goal if goal else None

    def as_dict(self, lang: str = "vi") -> dict[str, Any]:
        t = self.target
        planned = list(t.planned) if isinstance(t.planned, tuple) else t.planned
        out: dict[str, Any] = {
            "key": t.key, "label": t.label(lang), "section": t.section, "planned": planned,
            "measured": None if self.measured is None else round(self.measured, 4), "unit": t.unit,
            "compare": t.compare, "status": self.status,
            "status_label": STATUS_LABELS[self.status][0 if lang == "vi" else 1],
            "source": self.source_vi if lang == "vi" else self.source_en,
        }
        if self.entered_at:
            out["entered_at"] = self.entered_at
        if t.also:
            out["also"] = {"planned": t.also.get("planned"), "compare": t.also.get("compare"),
                           "section": t.also.get("section"), "status": self.also_status}
            out["note"] = t.note_vi if lang == "vi" else t.note_en
        return out


# -- reading the plan ---------------------------------------------------------------------------------


def default_plan(year: int = 2024) -> Path:
    return PLANS_DIR / f"{year}.toml"


def _target_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), start=1) if line.strip() == "[[target]]"]


def _field_line(text: str, start: int, name: str) -> int:
    lines = text.splitlines()
    for n in range(start, len(lines) + 1):
        if n > start and lines[n - 1].strip() == "[[target]]":
            break
        if re.match(rf"\s*{re.escape(name)}\s*=", lines[n - 1]):
            return n
    return start


def load_plan(path: str | Path | None = None) -> Plan:
    """Read and check a plan file. Raises :class:`PlanError` listing every problem with its line."""
    path = Path(path) if path is not None else default_plan()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlanError(f"Không đọc được tệp kế hoạch «{path}»: {exc}.",
                        f"Cannot read the plan file '{path}': {exc}.") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(
            f"Tệp kế hoạch «{path.name}» sai cú pháp: {exc}. Hãy sửa dòng đó rồi mở lại.",
            f"The plan file '{path.name}' has a syntax error: {exc}. Fix that line and open it again.",
        ) from exc
    starts = _target_lines(text)
    raw_targets = data.get("target", [])
    problems: list[tuple[int, str, str]] = []
    params = data.get("parameters", {})
    for name, value in params.items():
        if not isinstance(value, int | float):
            line = _field_line(text, 1, name)
            problems.append((line, f"tham số «{name}» phải là một số", f"parameter '{name}' must be a number"))
    if not raw_targets:
        problems.append((1, "không có chỉ tiêu nào ([[target]])", "no targets ([[target]])"))
    targets: list[Target] = []
    keys: set[str] = set()
    for i, raw in enumerate(raw_targets):
        line = starts[i] if i < len(starts) else 1
        key = raw.get("key")

        def bad(name: str, vi: str, en: str, line: int = line) -> None:
            problems.append((_field_line(text, line, name), vi, en))

        if not key:
            bad("key", "chỉ tiêu thiếu «key»", "a target lacks 'key'")
            continue
        if key in keys:
            bad("key", f"chỉ tiêu «{key}» bị lặp", f"target '{key}' appears twice")
        keys.add(key)
        compare = raw.get("compare")
        if compare not in COMPARES:
            bad("compare", f"chỉ tiêu «{key}»: cách so sánh «{compare}» không hợp lệ (dùng {', '.join(COMPARES)})",
                f"target '{key}': unknown comparison '{compare}' (use {', '.join(COMPARES)})")
        planned = raw.get("planned")
        planned_value: float | tuple[float, float] | None = None
        if compare == "report":
            planned_value = None
        elif compare == "between":
            if (not isinstance(planned, list) or len(planned) != 2
                    or not all(isinstance(v, int | float) for v in planned) or planned[0] > planned[1]):
                bad("planned", f"chỉ tiêu «{key}»: «between» cần planned = [thấp, cao]",
                    f"target '{key}': 'between' needs planned = [low, high]")
            else:
                planned_value = (float(planned[0]), float(planned[1]))
        elif compare in COMPARES:
            if not isinstance(planned, int | float) or isinstance(planned, bool):
                bad("planned" if planned is not None else "compare",
                    f"chỉ tiêu «{key}»: thiếu con số kế hoạch (planned)",
                    f"target '{key}': the planned figure (planned) is missing")
            else:
                planned_value = float(planned)
        measure = raw.get("measure")
        if not isinstance(measure, dict):
            bad("measure", f"chỉ tiêu «{key}»: thiếu cách đo (measure)", f"target '{key}': no measure")
            continue
        kind = measure.get("kind")
        if kind not in KINDS:
            bad("measure", f"chỉ tiêu «{key}»: cách đo «{kind}» không hợp lệ (dùng {', '.join(KINDS)})",
                f"target '{key}': unknown measure kind '{kind}' (use {', '.join(KINDS)})")
        for layer_field in ("layer", "outside", "inside"):
            layer = measure.get(layer_field)
            if layer is not None and layer not in KNOWN_LAYERS:
                bad("measure", f"chỉ tiêu «{key}»: lớp bản đồ «{layer}» không có (các lớp: {', '.join(KNOWN_LAYERS)})",
                    f"target '{key}': unknown layer '{layer}' (layers: {', '.join(KNOWN_LAYERS)})")
        if kind in ("area", "union_area", "share", "length_share", "count", "villages_with") and not measure.get("layer"):
            bad("measure", f"chỉ tiêu «{key}»: cách đo «{kind}» cần «layer»", f"target '{key}': '{kind}' needs 'layer'")
        if kind == "estimate":
            for term in measure.get("terms", []):
                for name in term[1:]:
                    if name not in params:
                        bad("measure", f"chỉ tiêu «{key}»: tham số «{name}» không có trong [parameters]",
                            f"target '{key}': parameter '{name}' is not in [parameters]")
        for label_field in ("label_vi", "unit"):
            if not raw.get(label_field) and raw.get(label_field) != "":
                bad("key", f"chỉ tiêu «{key}»: thiếu «{label_field}»", f"target '{key}': '{label_field}' is missing")
        targets.append(Target(
            key=key, label_vi=raw.get("label_vi", key), label_en=raw.get("label_en", raw.get("label_vi", key)),
            section=str(raw.get("section", "")), unit=str(raw.get("unit", "")), compare=str(compare),
            planned=planned_value, measure=measure, risk_pct=float(raw.get("risk_pct", 5.0)),
            tolerance_pct=float(raw.get("tolerance_pct", 5.0)), also=raw.get("also"),
            note_vi=raw.get("note_vi", ""), note_en=raw.get("note_en", ""), line=line,
        ))
    for t in targets:  # estimates may only use targets that exist
        if t.measure.get("kind") == "estimate":
            for term in t.measure.get("terms", []):
                if term and term[0] not in keys:
                    problems.append((_field_line(text, t.line, "measure"),
                                     f"chỉ tiêu «{t.key}»: dùng chỉ tiêu «{term[0]}» không có trong tệp",
                                     f"target '{t.key}': uses target '{term[0]}', which is not in the file"))
    if problems:
        problems.sort()
        raise PlanError(
            f"Tệp kế hoạch «{path.name}» có lỗi:\n" + "\n".join(f"  dòng {n}: {vi}" for n, vi, _ in problems),
            f"The plan file '{path.name}' has errors:\n" + "\n".join(f"  line {n}: {en}" for n, _, en in problems),
        )
    return Plan(path=path, year=int(data.get("year", 0)), title_vi=data.get("title_vi", ""),
                title_en=data.get("title_en", ""), parameters={k: float(v) for k, v in params.items()},
                targets=tuple(targets), unit=str(data.get("unit", "")), label_vi=str(data.get("label_vi", "")),
                label_en=str(data.get("label_en", "")))


# -- comparing ----------------------------------------------------------------------------------------


def status_of(compare: str, planned: float | tuple[float, float] | None, measured: float | None, *,
              risk_pct: float = 5.0, tolerance_pct: float = 5.0) -> str:
    """The status of a measured figure against the plan.

    ``at_least``/``more_than``: met at or above (strictly above) the figure, at risk within ``risk_pct``
    below it. ``at_most``/``less_than``: the mirror. ``between``: met inside the range, at risk within
    ``risk_pct`` of either end outside it. ``about``: met within ``tolerance_pct`` of the figure, at risk
    within twice that. ``report``: tracked, no figure to meet.
    """
    if compare == "report":
        return TRACKED if measured is not None else NOT_MEASURED
    if measured is None or planned is None or (isinstance(measured, float) and math.isnan(measured)):
        return NOT_MEASURED
    risk = risk_pct / 100.0
    if compare == "between":
        assert isinstance(planned, tuple)
        low, high = planned
        if low <= measured <= high:
            return MET
        if low * (1 - risk) <= measured <= high * (1 + risk):
            return AT_RISK
        return NOT_MET
    assert not isinstance(planned, tuple)
    if compare == "at_least":
        ok = measured >= planned
    elif compare == "more_than":
        ok = measured > planned
    elif compare == "at_most":
        ok = measured <= planned
    elif compare == "less_than":
        ok = measured < planned
    elif compare == "about":
        gap = abs(measured - planned) / abs(planned) if planned else abs(measured)
        tol = tolerance_pct / 100.0
        return MET if gap <= tol else AT_RISK if gap <= 2 * tol else NOT_MET
    else:
        raise ValueError(compare)
    if ok:
        return MET
    if compare in ("at_least", "more_than"):
        return AT_RISK if measured >= planned * (1 - risk) else NOT_MET
    return AT_RISK if measured <= planned * (1 + risk) else NOT_MET


# -- measuring ----------------------------------------------------------------------------------------


def _mask(frame: pd.DataFrame, where: dict[str, Any] | None) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, wanted in (where or {}).items():
        if column not in frame.columns:
            return pd.Series(False, index=frame.index)
        values = frame[column]
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
    if measure.get("outside"):
        parts.append(("ngoài " if vi else "outside ") + measure["outside"])
    if measure.get("include_planned"):
        parts.append("kể cả cánh đồng quy hoạch mới" if vi else "planned fields included")
    return "; ".join(parts)


class _Measurer:
    def __init__(self, plan: Plan, dataset: Dataset, planned_fields: gpd.GeoDataFrame | None,
                 manual: dict[str, tuple[float, str, str]]):
        self.plan = plan
        self.dataset = dataset
        self.crs = dataset.parcels.crs
        from gis.fields import counted_fields

        # the workspace's fields count only when adopted, and only on the dataset they were drawn on
        self.planned_fields = counted_fields(planned_fields, dataset)
        self.manual = manual
        self.values: dict[str, float | None] = {}
        self._unions: dict[str, shapely.Geometry] = {}

    def layer(self, name: str) -> gpd.GeoDataFrame | None:
        frame = self.dataset.get(name)
        if frame is not None and frame.crs != self.crs:
            frame = frame.to_crs(self.crs)
        return frame

    def union(self, name: str) -> shapely.Geometry:
        if name not in self._unions:
            frame = self.layer(name)
            self._unions[name] = frame.geometry.union_all() if frame is not None and len(frame) else shapely.Polygon()
        return self._unions[name]

    def _geoms(self, frame: gpd.GeoDataFrame, measure: dict[str, Any]) -> gpd.GeoSeries:
        geoms = frame.geometry
        if measure.get("outside"):
            cut = self.union(measure["outside"])
            if not cut.is_empty:
                hit = geoms.intersects(cut)
                geoms = geoms.copy()
                geoms[hit] = geoms[hit].difference(cut)
        if measure.get("inside"):
            geoms = geoms.intersection(self.union(measure["inside"]))
        return geoms

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
            for term in m["terms"]:
                base = self.values.get(term[0])
                if base is None:
                    return None, None
                product = base
                for name in term[1:]:
                    product *= self.plan.parameters[name]
                total += product
            return total, None
        frame = self.layer(m["layer"])
        if frame is None:
            return None, None
        if kind == "area":
            sub = frame[_mask(frame, m.get("where"))]
            return float(self._geoms(sub, m).area.sum()) / M2_PER_HA, None
        if kind == "union_area":
            sub = frame[_mask(frame, m.get("where"))]
            shape = shapely.union_all(self._geoms(sub, m).to_numpy())
            if m.get("include_planned") and self.planned_fields is not None and len(self.planned_fields):
                extra = self.planned_fields.to_crs(self.crs).geometry.union_all()
                if m.get("outside"):
                    extra = extra.difference(self.union(m["outside"]))
                shape = shapely.union(shape, extra)
            return float(shape.area) / M2_PER_HA, None
        if kind == "count":
            n = int(_mask(frame, m.get("where")).sum())
            if m.get("include_planned") and self.planned_fields is not None:
                n += len(self.planned_fields)
            return float(n), None
        if kind == "villages_with":
            sub = frame[_mask(frame, m.get("where"))]
            present = set(sub["village"]) if "village" in sub.columns else set()
            return float(sum(1 for v in m.get("villages", []) if v in present)), None
        if kind in ("share", "length_share"):
            den = frame[_mask(frame, m.get("denominator"))]
            num = den[_mask(den, m.get("numerator"))]
            if kind == "length_share":
                d, n = den.geometry.length.sum(), num.geometry.length.sum()
            elif m.get("by") == "count":
                d, n = len(den), len(num)
            else:
                d, n = self._geoms(den, m).area.sum(), self._geoms(num, m).area.sum()
            return (100.0 * float(n) / float(d) if d else None), None
        raise ValueError(kind)


def evaluate(plan: Plan, dataset: Dataset, *, planned_fields: gpd.GeoDataFrame | None = None,
             manual: dict[str, tuple[float, str, str]] | None = None) -> list[Result]:
    """Measure every target of ``plan`` on ``dataset``.

    ``planned_fields`` are new concentrated fields from the workspace (they count where a measure says
    ``include_planned``); ``manual`` holds values entered by hand, ``{key: (value, entered_at, note)}``.
    Estimates are computed after the targets they use.
    """
    measurer = _Measurer(plan, dataset, planned_fields, manual or {})
    order = sorted(plan.targets, key=lambda t: t.measure.get("kind") == "estimate")
    results: dict[str, Result] = {}
    for target in order:
        value, entered = measurer.measure(target)
        measurer.values[target.key] = value
        status = status_of(target.compare, target.planned, value, risk_pct=target.risk_pct,
                           tolerance_pct=target.tolerance_pct)
        also_status = None
        if target.also:
            also_status = status_of(str(target.also.get("compare", "about")), float(target.also["planned"]), value,
                                    risk_pct=target.risk_pct, tolerance_pct=target.tolerance_pct)
        results[target.key] = Result(target=target, measured=value, status=status,
                                     source_vi=_describe(target.measure, "vi"),
                                     source_en=_describe(target.measure, "en"), entered_at=entered,
                                     also_status=also_status)
    return [results[t.key] for t in plan.targets]


def results_table(results: list[Result], *, lang: str = "vi") -> pd.DataFrame:
    """The results as a table with headers in ``lang``, for the page and the Excel export."""
    vi = lang == "vi"
    rows = []
    for r in results:
        t = r.target
        if isinstance(t.planned, tuple):
            planned = f"{t.planned[0]:g}–{t.planned[1]:g}"
        elif t.planned is None:
            planned = ""
        else:
            planned = f"{COMPARE_LABELS[t.compare][0 if vi else 1]} {t.planned:g}"
        rows.append({
            ("Mã" if vi else "Key"): t.key,
            ("Chỉ tiêu" if vi else "Target"): t.label(lang),
            ("Mục" if vi else "Section"): t.section,
            ("Kế hoạch" if vi else "Planned"): planned,
            ("Đo được" if vi else "Measured"): None if r.measured is None else round(r.measured, 2),
            ("Đơn vị" if vi else "Unit"): t.unit,
            ("Đánh giá" if vi else "Status"): STATUS_LABELS[r.status][0 if vi else 1],
            ("Nguồn số liệu" if vi else "Source"): r.source_vi if vi else r.source_en,
        })
    return pd.DataFrame(rows)


# -- for the page and the export: groups, parameters, estimates, what a target measures on the map ---------

#: The page's groups, in order: (Vietnamese, English).
GROUPS: dict[str, tuple[str, str]] = {
    "land": ("Đất đai và dự án", "Land and projects"),
    "crops": ("Cây trồng", "Crops"),
    "production": ("Sản lượng", "Production"),
    "manual": ("Chỉ tiêu nhập tay", "Entered by hand"),
}
_CROP_COLUMNS = frozenset({"crop", "VUDONG"})


def group_of(target: Target) -> str:
    """The group a target is shown in: ``land``, ``crops``, ``production`` or ``manual``.

    Values entered by hand are ``manual``; estimates ``production``; a map measure that filters on a crop
    column (``crop``, ``VUDONG``) ``crops``; every other map measure ``land``.
    """
    kind = target.measure.get("kind")
    if kind == "manual":
        return "manual"
    if kind == "estimate":
        return "production"
    columns: set[str] = set()
    for name in ("where", "numerator", "denominator"):
        columns |= set((target.measure.get(name) or {}).keys())
    return "crops" if columns & _CROP_COLUMNS else "land"


@dataclass(frozen=True)
class Parameter:
    """A parameter of the plan's estimates, with the comment written beside it in the plan file."""

    name: str
    value: float
    comment: str

    @property
    def placeholder(self) -> bool:
        """Whether the plan file marks the value as a placeholder (the plan itself gives no figure)."""
        return "placeholder" in self.comment.casefold() or "giá trị tạm" in self.comment.casefold()


def parameters_of(plan: Plan) -> list[Parameter]:
    """The plan's ``[parameters]`` with their comments (read from the file's text), in file order."""
    comments: dict[str, str] = {}
    try:
        text = plan.path.read_text(encoding="utf-8")
    except OSError:
        text = ""
    in_params = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            in_params = stripped == "[parameters]"
            continue
        match = re.match(r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*[^#]*#\s*(.*)$", stripped) if in_params else None
        if match:
            comments[match.group(1)] = match.group(2).strip()
    return [Parameter(name, value, comments.get(name, "")) for name, value in plan.parameters.items()]


def with_parameters(plan: Plan, values: dict[str, float]) -> Plan:
    """A copy of ``plan`` whose parameters named in ``values`` are replaced (the others kept)."""
    unknown = set(values) - set(plan.parameters)
    if unknown:
        raise PlanError(f"Tham số không có trong kế hoạch: {', '.join(sorted(unknown))}.",
                        f"Parameters not in the plan: {', '.join(sorted(unknown))}.")
    from dataclasses import replace

    return replace(plan, parameters={**plan.parameters, **{k: float(v) for k, v in values.items()}})


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


@dataclass
class Footprint:
    """What a map-measured target counts, on one layer.

    ``counted`` holds the features the figure counts (clipped as the measure says, index kept from the
    layer); ``rest`` the features of a share's base (denominator) that do not count, empty otherwise;
    ``planned`` the workspace's planned fields when the measure includes them.
    """

    key: str
    layer: str
    counted: gpd.GeoDataFrame
    rest: gpd.GeoDataFrame
    planned: gpd.GeoDataFrame | None = None


def footprints(plan: Plan, target: Target, dataset: Dataset, *,
               planned_fields: gpd.GeoDataFrame | None = None) -> list[Footprint]:
    """Where ``target`` is measured on the map: one :class:`Footprint` per layer it uses.

    An estimate gives the footprints of the targets it multiplies; a value entered by hand gives none.
    """
    measurer = _Measurer(plan, dataset, planned_fields, {})
    kind = target.measure.get("kind")
    if kind == "manual":
        return []
    if kind == "estimate":
        out: list[Footprint] = []
        for term in target.measure.get("terms", []):
            out.extend(footprints(plan, plan.target(term[0]), dataset, planned_fields=planned_fields))
        return out
    m = target.measure
    frame = measurer.layer(m["layer"])
    if frame is None:
        return []

    def clipped(sub: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        if kind == "length_share" or not (m.get("outside") or m.get("inside")):
            return sub
        geoms = measurer._geoms(sub, m)
        out = sub.set_geometry(geoms.to_numpy(), crs=sub.crs)
        return out[~out.geometry.is_empty]

    if kind in ("share", "length_share"):
        base = frame[_mask(frame, m.get("denominator"))]
        hit = _mask(base, m.get("numerator"))
        counted, rest = clipped(base[hit]), clipped(base[~hit])
    else:
        counted, rest = clipped(frame[_mask(frame, m.get("where"))]), frame.iloc[0:0]
    planned = None
    if m.get("include_planned") and measurer.planned_fields is not None and len(measurer.planned_fields):
        planned = measurer.planned_fields.to_crs(measurer.crs)
    return [Footprint(key=target.key, layer=m["layer"], counted=counted, rest=rest, planned=planned)]


#: Layer and column names as a land officer reads them, for :func:`source_text`.
LAYER_NAMES: dict[str, tuple[str, str]] = {
    "parcels": ("thửa đất", "parcels"), "villages": ("thôn", "villages"),
    "rice_fields": ("cánh đồng lúa", "rice fields"), "aquaculture_ponds": ("ao nuôi trồng thủy sản", "aquaculture ponds"),
    "concentrated_fields": ("cánh đồng tập trung", "concentrated fields"),
    "recovered_land": ("đất thu hồi", "recovered land"), "roads": ("đường giao thông", "roads"),
    "canals": ("kênh mương", "canals"), "commune": ("ranh giới xã", "commune boundary"),
}
COLUMN_NAMES: dict[str, tuple[str, str]] = {
    "land_use_main": ("mã loại đất", "land-use code"), "crop": ("cây trồng", "crop"),
    "VUDONG": ("cây vụ đông", "winter crop"), "vietgap": ("VietGAP", "VietGAP"), "VIETGAP": ("VietGAP", "VietGAP"),
    "certificate": ("số GCN", "certificate number"), "owner": ("chủ sử dụng", "land user"),
    "group": ("nhóm đất", "land-use group"), "TRANGTHAI": ("trạng thái", "status"),
    "MUCDICH": ("mục đích", "use"), "CAP": ("cấp đường/kênh", "class"), "KETCAU": ("kết cấu", "surface"),
}


def _filter_text(where: dict[str, Any], lang: str, *, verb: bool = False) -> str:
    """A filter in words; ``verb`` starts plain conditions with "có"/"with" (a share's numerator)."""
    vi = lang == "vi"
    lead = ("có " if vi else "with ") if verb else ""
    parts = []
    for column, wanted in where.items():
        name = COLUMN_NAMES.get(column, (column, column))[0 if vi else 1]
        if isinstance(wanted, dict):
            if wanted.get("not_empty"):
                parts.append(f"{'có' if vi else 'with'} {name}" if verb else f"{name} {'có giá trị' if vi else 'filled in'}")
            if "not" in wanted:
                parts.append(f"{name} {'khác' if vi else 'not'} «{wanted['not']}»")
        elif isinstance(wanted, list):
            parts.append(f"{lead}{name}: {', '.join(str(v) for v in wanted)}")
        elif wanted in (1, True) and column.lower() == "vietgap":
            parts.append("đạt VietGAP" if vi else "meeting VietGAP")
        else:
            parts.append(f"{lead}{name} = {wanted}")
    return "; ".join(parts)


def _plain(value: float, lang: str) -> str:
    from gis.i18n import number

    text = number(value, 2, lang=lang)
    return text.rstrip("0").rstrip(",." if lang == "vi" else ".").rstrip(",") if ("," if lang == "vi" else ".") in text else text


def _parameter_unit(name: str, lang: str) -> str:
    if name.endswith("_t_ha"):
        return "tấn/ha" if lang == "vi" else "t/ha"
    if name.endswith("crops_per_year"):
        return "vụ" if lang == "vi" else "crops"
    return ""


def source_text(result: Result, plan: Plan, *, lang: str = "vi") -> str:
    """Where a result's figure comes from, in words a land officer reads (the page and the export)."""
    vi = lang == "vi"
    t = result.target
    m = t.measure
    kind = m.get("kind")
    if kind == "manual":
        if result.entered_at:
            day = "/".join(reversed(result.entered_at[:10].split("-")))
            return f"Nhập tay ngày {day}" if vi else f"Entered by hand on {day}"
        return "Nhập tay (chưa có số liệu)" if vi else "Entered by hand (no figure yet)"
    if kind == "estimate":
        terms = []
        for term in m.get("terms", []):
            base = plan.target(term[0]).label(lang)
            factors = " × ".join(f"{_plain(plan.parameters[p], lang)} {_parameter_unit(p, lang)}".strip()
                                 for p in term[1:])
            terms.append(f"{base} × {factors}")
        return ("Ước tính: " if vi else "Estimate: ") + " + ".join(terms)
    layer = LAYER_NAMES.get(m.get("layer", ""), (m.get("layer", ""), m.get("layer", "")))[0 if vi else 1]
    what = {"area": ("Diện tích", "Area of"), "union_area": ("Diện tích (gộp chồng lấn)", "Dissolved area of"),
            "share": ("Tỷ lệ diện tích", "Share of the area of"), "length_share": ("Tỷ lệ chiều dài", "Share of the length of"),
            "count": ("Số", "Number of"), "villages_with": ("Số thôn có", "Villages with")}[str(kind)]
    text = f"{what[0 if vi else 1]} {layer}"
    if kind == "share" and m.get("by") == "count":
        text = f"{'Tỷ lệ số' if vi else 'Share of the number of'} {layer}"
    if m.get("where"):
        text += f" ({_filter_text(m['where'], lang)})"
    if m.get("numerator"):
        den = {k: v for k, v in (m.get("denominator") or {}).items()}
        num = {k: v for k, v in m["numerator"].items() if den.get(k) != v}
        text += f" {_filter_text(num, lang, verb=True)}"
        if den:
            text += f" {'trên tổng' if vi else 'over all'} ({_filter_text(den, lang)})"
    if m.get("outside"):
        name = LAYER_NAMES.get(m["outside"], (m["outside"], m["outside"]))[0 if vi else 1]
        text += f", {'trừ phần' if vi else 'less the'} {name}"
    if m.get("include_planned"):
        text += ", kể cả cánh đồng quy hoạch mới" if vi else ", planned fields included"
    if kind == "villages_with" and m.get("villages"):
        text += f" ({'trong' if vi else 'among'} {', '.join(m['villages'])})"
    return text
