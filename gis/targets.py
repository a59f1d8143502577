"""The plan's targets, set against what the map measures.

A plan file (``data/plans/2024.toml``) lists each target with its figure, how it compares and how it is
measured (see the comment at the top of that file). :func:`load_plan` reads and checks it, reporting every
problem with its line; :func:`evaluate` measures each target on a dataset and gives it a status.

Statuses and progress: one rule per comparison
----------------------------------------------
``m`` is the measured figure, ``p`` the planned one, ``r`` the plan's ``[rules] at_risk_pct`` and ``t`` its
``[rules] about_pct`` (both in per cent, one value for the whole plan, written in the plan file).
:func:`rule_text` gives each line in Vietnamese or English; the targets page and the README show them.

=============  ==================  ==========================================  ==========================
compare        met                 at risk (otherwise not met)                 progress
=============  ==================  ==========================================  ==========================
at_least p     m ≥ p               p·(1 − r) ≤ m < p                           m / p
more_than p    m > p               p·(1 − r) ≤ m ≤ p                           m / p
at_most p      m ≤ p               p < m ≤ p·(1 + r)                           100 % if met, else p / m
less_than p    m < p               p ≤ m ≤ p·(1 + r)                           100 % if met, else p / m
between a, b   a ≤ m ≤ b           a·(1 − r) ≤ m < a  or  b < m ≤ b·(1 + r)    100 % inside; m / a below;
                                                                               b / m above
about p        p·(1 − t) ≤ m ≤     as ``between`` on the band                  as ``between`` on the band
               p·(1 + t)           p·(1 − t) … p·(1 + t)
report         —                   tracked when measured                       none
=============  ==================  ==========================================  ==========================

Progress and status never contradict each other: a target that is not met never shows 100 % or more
(its progress is held at 99 % at most), a met one never less than 100 %. A figure that cannot be measured
has no status but "not measurable" and no progress. An estimate that rests on a parameter the plan file
marks as a placeholder is "estimate" (the placeholder named), never met or not met, and has no progress.

Rice and grain
--------------
Rice crop-hectares (``kind = "crop_area"``) are Σ area × crops a year over the rice parcels: the crops of
a parcel are its crop-count field (``crops_per_year``, see :mod:`gis.schema`) when it holds 1 to 3, else
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

import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from gis import landuse
from gis.area import M2_PER_HA
from gis.errors import GisError
from gis.io import Dataset
from gis.paths import data_path
from gis.text import Text, texts

PLANS_DIR = data_path("plans")

COMPARES = ("at_least", "at_most", "more_than", "less_than", "between", "about", "report")
KINDS = ("area", "union_area", "share", "length_share", "count", "villages_with", "crop_area", "estimate",
         "manual")
KNOWN_LAYERS = ("parcels", "villages", "rice_fields", "aquaculture_ponds", "concentrated_fields",
                "recovered_land", "roads", "canals", "commune")

MET, AT_RISK, NOT_MET, NOT_MEASURED, TRACKED = "met", "at_risk", "not_met", "not_measurable", "tracked"
ESTIMATE = "estimate"
STATUS_LABELS: dict[str, Text] = texts({
    MET: ("Đạt", "Met"),
    AT_RISK: ("Có nguy cơ không đạt", "At risk"),
    NOT_MET: ("Chưa đạt", "Not met"),
    NOT_MEASURED: ("Chưa đo được", "Not measurable yet"),
    TRACKED: ("Theo dõi", "Tracked"),
    ESTIMATE: ("Ước tính", "Estimate"),
})


@dataclass(frozen=True)
class StatusColours:
    """How a status is coloured wherever it is shown: the page and the workbook (``fill`` behind ``ink``, hex
    without ``#``), the printed report (``print_fill``, lighter for paper) and Streamlit's Markdown (``markdown``,
    one of its colour names)."""

    fill: str
    ink: str
    print_fill: str
    markdown: str


#: The one table of the statuses' colours (the targets page, the fields page, the workbook, the report).
STATUS_COLOURS: dict[str, StatusColours] = {
    MET: StatusColours("C8E6C9", "1B5E20", "#d5efcf", "green"),
    AT_RISK: StatusColours("FFE0B2", "8A4B00", "#fff0b0", "orange"),
    NOT_MET: StatusColours("FFCDD2", "B71C1C", "#f7cfcf", "red"),
    NOT_MEASURED: StatusColours("E0E0E0", "424242", "#ececec", "gray"),
    TRACKED: StatusColours("BBDEFB", "0D47A1", "#dce7f5", "gray"),
    ESTIMATE: StatusColours("F3E5F5", "4A148C", "#eee0f3", "violet"),
}

#: The plan-wide thresholds of the status rules (``[rules]`` in the plan file) and their defaults.
RULE_DEFAULTS = {"at_risk_pct": 5.0, "about_pct": 5.0}

#: The roles a page may ask the plan for: role -> (what it is, in Vietnamese, English). ``first_project``
#: names a project of the recovered-land layer (its name or decision number); the others name a target.
ROLES: dict[str, Text] = texts({
    "rice_before": ("diện tích đất lúa trước thu hồi", "rice land before recovery"),
    "rice_area": ("diện tích lúa của năm kế hoạch", "rice area of the plan's year"),
    "rice_crop_area": ("diện tích gieo cấy lúa cả năm", "rice crop-hectares in the year"),
    "recovered": ("diện tích thu hồi", "land recovered"),
    "fields_count": ("số cánh đồng tập trung", "number of concentrated fields"),
    "fields_total": ("tổng diện tích cánh đồng tập trung", "concentrated fields, total area"),
    "grain": ("sản lượng lương thực", "grain output"),
    "first_project": ("dự án trình bày đầu tiên", "project shown first"),
})
PROJECT_ROLES = frozenset({"first_project"})

#: Columns that give the year of a feature (a recovery decision), matched case-insensitively, first hit wins;
#: then date columns whose year is taken.
YEAR_FIELDS = ("NAM", "year", "NAMQD", "NAM_QD", "nam_thu_hoi")
DATE_FIELDS = ("NGAYQD", "NGAY_QD", "ngay_qd", "decision_date", "NGAYTHUHOI")

_PLACEHOLDER_WORDS = ("placeholder", "giá trị tạm")
COMPARE_LABELS: dict[str, Text] = texts({
    "at_least": ("≥", "at least"), "at_most": ("≤", "at most"), "more_than": (">", "more than"),
    "less_than": ("<", "less than"), "between": ("từ … đến", "between"), "about": ("khoảng", "about"),
    "report": ("theo dõi", "tracked"),
})


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
    risk_pct: float = RULE_DEFAULTS["at_risk_pct"]
    tolerance_pct: float = RULE_DEFAULTS["about_pct"]
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
    rules: dict[str, float] = field(default_factory=lambda: dict(RULE_DEFAULTS))
    roles: dict[str, str] = field(default_factory=dict)
    placeholders: frozenset[str] = frozenset()
    parameter_labels: dict[str, tuple[str, str]] = field(default_factory=dict)

    def label(self, lang: str = "vi") -> str:
        """The plan's label in ``lang`` (its title when the file gives no label)."""
        if lang == "vi":
            return self.label_vi or self.title_vi
        return self.label_en or self.title_en or self.label_vi or self.title_vi

    def target(self, key: str) -> Target:
        return next(t for t in self.targets if t.key == key)

    def role(self, name: str) -> Target | None:
        """The target the plan gives the role ``name`` (see :data:`ROLES`), or ``None`` when it gives none."""
        key = self.roles.get(name)
        return next((t for t in self.targets if t.key == key), None) if key else None


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


# -- reading the plan ---------------------------------------------------------------------------------


#: Environment variable naming the plan file the app and the commands use (default: the 2024 plan).
PLAN_ENV = "LUONGPHONG_PLAN"


def default_plan(year: int | None = None) -> Path:
    """The plan file: ``data/plans/{year}.toml`` when a year is given, else ``$LUONGPHONG_PLAN`` or 2024's."""
    if year is None:
        chosen = os.environ.get(PLAN_ENV, "").strip()
        if chosen:
            return Path(chosen)
        year = 2024
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
    rules = dict(RULE_DEFAULTS)
    for name, value in data.get("rules", {}).items():
        line = _field_line(text, 1, name)
        if name not in RULE_DEFAULTS:
            problems.append((line, f"quy tắc «{name}» không có (dùng {', '.join(RULE_DEFAULTS)})",
                             f"unknown rule '{name}' (use {', '.join(RULE_DEFAULTS)})"))
        elif not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value < 100:
            problems.append((line, f"quy tắc «{name}» phải là một số từ 0 đến dưới 100 (phần trăm)",
                             f"rule '{name}' must be a number from 0 to under 100 (per cent)"))
        else:
            rules[name] = float(value)
    roles = data.get("roles", {})
    for name, value in roles.items():
        if name not in ROLES:
            problems.append((_field_line(text, 1, name), f"vai trò «{name}» không có (dùng {', '.join(ROLES)})",
                             f"unknown role '{name}' (use {', '.join(ROLES)})"))
        elif not isinstance(value, str) or not value.strip():
            problems.append((_field_line(text, 1, name), f"vai trò «{name}» phải là một chuỗi",
                             f"role '{name}' must be a string"))
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
        if kind == "crop_area":
            crops = measure.get("crops")
            if not isinstance(crops, dict) or not crops:
                bad("measure", f"chỉ tiêu «{key}»: «crop_area» cần crops = {{ MÃ = \"tham_số\" }}",
                    f"target '{key}': 'crop_area' needs crops = {{ CODE = \"parameter\" }}")
            else:
                for name in crops.values():
                    if name not in params:
                        bad("measure", f"chỉ tiêu «{key}»: tham số «{name}» không có trong [parameters]",
                            f"target '{key}': parameter '{name}' is not in [parameters]")
        if "year" in measure and (not isinstance(measure["year"], int) or isinstance(measure["year"], bool)):
            bad("measure", f"chỉ tiêu «{key}»: «year» phải là một năm (số nguyên)",
                f"target '{key}': 'year' must be a year (a whole number)")
        for own in ("risk_pct", "tolerance_pct"):
            if own in raw:
                bad(own, f"chỉ tiêu «{key}»: «{own}» riêng không còn dùng; ngưỡng chung đặt ở [rules]",
                    f"target '{key}': a target's own '{own}' is no longer used; the plan-wide threshold is in [rules]")
        for label_field in ("label_vi", "unit"):
            if not raw.get(label_field) and raw.get(label_field) != "":
                bad("key", f"chỉ tiêu «{key}»: thiếu «{label_field}»", f"target '{key}': '{label_field}' is missing")
        targets.append(Target(
            key=key, label_vi=raw.get("label_vi", key), label_en=raw.get("label_en", raw.get("label_vi", key)),
            section=str(raw.get("section", "")), unit=str(raw.get("unit", "")), compare=str(compare),
            planned=planned_value, measure=measure, risk_pct=rules["at_risk_pct"],
            tolerance_pct=rules["about_pct"], also=raw.get("also"),
            note_vi=raw.get("note_vi", ""), note_en=raw.get("note_en", ""), line=line,
        ))
    for t in targets:  # estimates may only use targets that exist
        if t.measure.get("kind") == "estimate":
            for term in t.measure.get("terms", []):
                if term and term[0] not in keys:
                    problems.append((_field_line(text, t.line, "measure"),
                                     f"chỉ tiêu «{t.key}»: dùng chỉ tiêu «{term[0]}» không có trong tệp",
                                     f"target '{t.key}': uses target '{term[0]}', which is not in the file"))
    for name, value in roles.items():
        if name in ROLES and name not in PROJECT_ROLES and isinstance(value, str) and value not in keys:
            problems.append((_field_line(text, 1, name), f"vai trò «{name}»: chỉ tiêu «{value}» không có trong tệp",
                             f"role '{name}': target '{value}' is not in the file"))
    if problems:
        problems.sort()
        raise PlanError(
            f"Tệp kế hoạch «{path.name}» có lỗi:\n" + "\n".join(f"  dòng {n}: {vi}" for n, vi, _ in problems),
            f"The plan file '{path.name}' has errors:\n" + "\n".join(f"  line {n}: {en}" for n, _, en in problems),
        )
    labels: dict[str, tuple[str, str]] = {}
    for name, value in data.get("parameter_labels", {}).items():
        if (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)
                and name in params):
            labels[name] = (value[0], value[1])
        else:
            problems_late = (_field_line(text, 1, name), f"nhãn tham số «{name}» phải là [\"tiếng Việt\", "
                             "\"English\"] của một tham số có trong [parameters]",
                             f"parameter label '{name}' must be [\"Vietnamese\", \"English\"] for a parameter "
                             "in [parameters]")
            raise PlanError(f"Tệp kế hoạch «{path.name}» có lỗi:\n  dòng {problems_late[0]}: {problems_late[1]}",
                            f"The plan file '{path.name}' has errors:\n  line {problems_late[0]}: {problems_late[2]}")
    comments = _parameter_comments(text)
    placeholders = frozenset(name for name in params
                             if any(w in comments.get(name, "").casefold() for w in _PLACEHOLDER_WORDS))
    return Plan(path=path, year=int(data.get("year", 0)), title_vi=data.get("title_vi", ""),
                title_en=data.get("title_en", ""), parameters={k: float(v) for k, v in params.items()},
                targets=tuple(targets), unit=str(data.get("unit", "")), label_vi=str(data.get("label_vi", "")),
                label_en=str(data.get("label_en", "")), rules=rules, roles={k: str(v) for k, v in roles.items()},
                placeholders=placeholders, parameter_labels=labels)


def _parameter_comments(text: str) -> dict[str, str]:
    """The comment written beside each parameter of ``[parameters]`` in a plan file's text."""
    comments: dict[str, str] = {}
    in_params = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            in_params = stripped == "[parameters]"
            continue
        match = re.match(r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*[^#]*#\s*(.*)$", stripped) if in_params else None
        if match:
            comments[match.group(1)] = match.group(2).strip()
    return comments


# -- comparing ----------------------------------------------------------------------------------------


def _band(compare: str, planned: float | tuple[float, float], tolerance_pct: float) -> tuple[float, float]:
    """The range a ``between`` or ``about`` target is met in."""
    if compare == "between":
        assert isinstance(planned, tuple)
        return planned
    assert not isinstance(planned, tuple)
    tol = tolerance_pct / 100.0
    low, high = planned * (1 - tol), planned * (1 + tol)
    return (min(low, high), max(low, high))


def _raw_status(compare: str, planned: float | tuple[float, float], measured: float, risk_pct: float,
                tolerance_pct: float) -> str:
    risk = risk_pct / 100.0
    if compare in ("between", "about"):
        low, high = _band(compare, planned, tolerance_pct)
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
    else:
        raise ValueError(compare)
    if ok:
        return MET
    if compare in ("at_least", "more_than"):
        return AT_RISK if measured >= planned * (1 - risk) else NOT_MET
    return AT_RISK if measured <= planned * (1 + risk) else NOT_MET


def _unmeasured(planned: object, measured: float | None) -> bool:
    return measured is None or planned is None or (isinstance(measured, float) and math.isnan(measured))


def status_of(compare: str, planned: float | tuple[float, float] | None, measured: float | None, *,
              risk_pct: float = RULE_DEFAULTS["at_risk_pct"], tolerance_pct: float = RULE_DEFAULTS["about_pct"]) -> str:
    """The status of a measured figure against the plan, by the rule of its comparison.

    The rules are the table of this module's docstring (and :func:`rule_text`): ``risk_pct`` is the
    plan's ``at_risk_pct``, ``tolerance_pct`` its ``about_pct``. ``report``: tracked, no figure to meet.
    """
    if compare == "report":
        return TRACKED if measured is not None else NOT_MEASURED
    if _unmeasured(planned, measured):
        return NOT_MEASURED
    assert planned is not None and measured is not None
    return _raw_status(compare, planned, measured, risk_pct, tolerance_pct)


#: The most a target that is not met shows on its progress bar.
NOT_MET_CAP = 0.99


def progress_of(compare: str, planned: float | tuple[float, float] | None, measured: float | None, *,
                risk_pct: float = RULE_DEFAULTS["at_risk_pct"],
                tolerance_pct: float = RULE_DEFAULTS["about_pct"]) -> float | None:
    """The progress of a measured figure (1.0 = 100 %) by the rule of its comparison (module docstring).

    ``None`` for ``report`` and when nothing is measured. Never 1.0 or more for a figure that is not met,
    never less for a met one; never more than 1.0 for ``between``/``about`` (inside the range is 100 %).
    """
    if compare == "report" or _unmeasured(planned, measured):
        return None
    assert planned is not None and measured is not None
    status = _raw_status(compare, planned, measured, risk_pct, tolerance_pct)
    if compare in ("between", "about"):
        low, high = _band(compare, planned, tolerance_pct)
        if status == MET:
            return 1.0
        raw = (measured / low if low > 0 else 0.0) if measured < low else (high / measured if measured > 0 else 0.0)
    else:
        assert not isinstance(planned, tuple)
        if compare in ("at_most", "less_than"):
            raw = 1.0 if status == MET else (planned / measured if measured > 0 else 0.0)
        else:
            raw = measured / planned if planned > 0 else (1.0 if status == MET else 0.0)
    raw = max(raw, 0.0)
    return max(raw, 1.0) if status == MET else min(raw, NOT_MET_CAP)


_RULES: dict[str, Text] = texts({
    "at_least": ("Đạt khi số đo ≥ kế hoạch; có nguy cơ khi thấp hơn kế hoạch không quá {r}%; tiến độ = đo được / "
                 "kế hoạch.", "Met when the figure is at least the plan's; at risk when it falls short by no more "
                 "than {r}%; progress = measured / planned."),
    "more_than": ("Đạt khi số đo > kế hoạch; có nguy cơ khi bằng hoặc thấp hơn kế hoạch không quá {r}%; tiến độ = "
                  "đo được / kế hoạch.", "Met when the figure is above the plan's; at risk when it equals it or "
                  "falls short by no more than {r}%; progress = measured / planned."),
    "at_most": ("Đạt khi số đo ≤ kế hoạch; có nguy cơ khi vượt kế hoạch không quá {r}%; tiến độ 100% khi đạt, "
                "nếu không = kế hoạch / đo được.", "Met when the figure is at most the plan's; at risk when it "
                "exceeds it by no more than {r}%; progress 100% when met, else planned / measured."),
    "less_than": ("Đạt khi số đo < kế hoạch; có nguy cơ khi bằng hoặc vượt kế hoạch không quá {r}%; tiến độ 100% "
                  "khi đạt, nếu không = kế hoạch / đo được.", "Met when the figure is below the plan's; at risk "
                  "when it equals it or exceeds it by no more than {r}%; progress 100% when met, else planned / "
                  "measured."),
    "between": ("Đạt khi số đo nằm trong khoảng kế hoạch; có nguy cơ khi ở ngoài khoảng không quá {r}%; tiến độ "
                "100% khi trong khoảng, nếu không = khoảng cách tới khoảng.", "Met inside the planned range; at "
                "risk when outside it by no more than {r}%; progress 100% inside the range, else the distance "
                "to it."),
    "about": ("Đạt khi số đo cách kế hoạch không quá ±{t}%; có nguy cơ khi ở ngoài khoảng đó không quá {r}%; tiến "
              "độ như «từ … đến» trên khoảng ±{t}%.", "Met within ±{t}% of the plan's figure; at risk when "
              "outside that band by no more than {r}%; progress as for 'between' on the ±{t}% band."),
    "report": ("Chỉ theo dõi, không có con số phải đạt; không có tiến độ.",
               "Tracked only, no figure to meet; no progress."),
})
_COMMON_RULE = Text("Chỉ tiêu chưa đạt không bao giờ hiện tiến độ 100%. Ước tính dựa trên tham số tạm ghi «Ước tính», "
                "không đánh giá đạt hay chưa đạt.",
                "A target not met never shows 100% progress. An estimate that rests on a placeholder parameter "
                "is shown as 'Estimate', never as met or not met.")


def rule_text(compare: str, lang: str = "vi", *, risk_pct: float = RULE_DEFAULTS["at_risk_pct"],
              tolerance_pct: float = RULE_DEFAULTS["about_pct"]) -> str:
    """The status and progress rule of a comparison kind, in words (``vi`` or ``en``)."""
    from gis.i18n import number

    def pct(v: float) -> str:
        return number(v, 0 if float(v).is_integer() else 1, lang=lang)

    text = _RULES[compare](lang)
    return text.format(r=pct(risk_pct), t=pct(tolerance_pct))


def rules_table(plan: Plan | None = None, *, lang: str = "vi") -> list[tuple[str, str]]:
    """(comparison as written, rule) for every comparison kind, with the plan's thresholds; then the common rule."""
    rules = plan.rules if plan is not None else RULE_DEFAULTS
    rows = [(COMPARE_LABELS[c](lang), rule_text(c, lang, risk_pct=rules["at_risk_pct"],
                                                  tolerance_pct=rules["about_pct"])) for c in COMPARES]
    rows.append(("*", _COMMON_RULE(lang)))
    return rows


def status_text(status: str, placeholders: tuple[str, ...] | list[str] = (), lang: str = "vi") -> str:
    """A status in words; an estimate resting on placeholders names them."""
    text = STATUS_LABELS[status](lang)
    if status == ESTIMATE and placeholders:
        text += (" — dựa trên giá trị tạm " if lang == "vi" else " — rests on placeholder ") + ", ".join(placeholders)
    return text


# -- measuring ----------------------------------------------------------------------------------------


def _mask(frame: pd.DataFrame, where: dict[str, Any] | None) -> pd.Series:
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
        the land); features with no year, and layers with no year field, count whole."""
        if name not in self._unions:
            frame = self.layer(name)
            if frame is not None and len(frame) and self.plan.year > 0:
                found = feature_years(frame)
                if found is not None:
                    frame = frame[~(found[0] > self.plan.year).fillna(False).to_numpy(dtype=bool)]
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
            sub = frame[_mask(frame, m.get("where"))]
            return float(self._geoms(sub, m).area.sum()) / M2_PER_HA, None
        if kind == "crop_area":
            return self.crop_area(target.key, frame, m), None
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

    def crop_area(self, key: str, frame: gpd.GeoDataFrame, m: dict[str, Any]) -> float | None:
        """Crop-hectares: Σ area × crops a year over the parcels of the measure's codes (not mixed ones)."""
        if "land_use_main" not in frame.columns:
            return None
        crops: dict[str, str] = m["crops"]
        codes = list(crops)
        mixed = frame["land_use"].map(landuse.is_mixed).astype(bool) if "land_use" in frame.columns else \
            pd.Series(False, index=frame.index)
        wanted = frame["land_use_main"].isin(codes)
        where = _mask(frame, m.get("where")) if m.get("where") else pd.Series(True, index=frame.index)
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
    land ledger when the dataset carries them (:attr:`gis.io.Dataset.parcels_before_recovery`, from
    :func:`gis.ledger.asof.dated`); every other parcel measure on the dataset's parcels (those of its date).

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
            planned = f"{COMPARE_LABELS[t.compare](lang)} {t.planned:g}"
        rows.append({
            ("Mã" if vi else "Key"): t.key,
            ("Chỉ tiêu" if vi else "Target"): t.label(lang),
            ("Mục" if vi else "Section"): t.section,
            ("Kế hoạch" if vi else "Planned"): planned,
            ("Đo được" if vi else "Measured"): None if r.measured is None else round(r.measured, 2),
            ("Đơn vị" if vi else "Unit"): t.unit,
            ("Đánh giá" if vi else "Status"): r.status_label(lang),
            ("Nguồn số liệu" if vi else "Source"): r.source_vi if vi else r.source_en,
        })
    return pd.DataFrame(rows)


# -- for the page and the export: groups, parameters, estimates, what a target measures on the map ---------

#: The page's groups, in order: (Vietnamese, English).
GROUPS: dict[str, Text] = texts({
    "land": ("Đất đai và dự án", "Land and projects"),
    "crops": ("Cây trồng", "Crops"),
    "production": ("Sản lượng", "Production"),
    "manual": ("Chỉ tiêu nhập tay", "Entered by hand"),
})
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
        return any(w in self.comment.casefold() for w in _PLACEHOLDER_WORDS)


def parameters_of(plan: Plan) -> list[Parameter]:
    """The plan's ``[parameters]`` with their comments (read from the file's text), in file order."""
    try:
        text = plan.path.read_text(encoding="utf-8")
    except OSError:
        text = ""
    comments = _parameter_comments(text)
    return [Parameter(name, value, comments.get(name, "")) for name, value in plan.parameters.items()]


def with_parameters(plan: Plan, values: dict[str, float]) -> Plan:
    """A copy of ``plan`` whose parameters named in ``values`` are replaced (the others kept).

    A placeholder given another value than the plan's is taken as the commune's own figure: it is no
    longer a placeholder.
    """
    unknown = set(values) - set(plan.parameters)
    if unknown:
        raise PlanError(f"Tham số không có trong kế hoạch: {', '.join(sorted(unknown))}.",
                        f"Parameters not in the plan: {', '.join(sorted(unknown))}.")
    from dataclasses import replace

    changed = {k for k, v in values.items() if float(v) != plan.parameters[k]}
    return replace(plan, parameters={**plan.parameters, **{k: float(v) for k, v in values.items()}},
                   placeholders=plan.placeholders - changed)


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
    full = measurer.layer(m["layer"])
    frame = None if full is None else measurer.select(full, m)
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
    elif kind == "crop_area":
        codes = frame["land_use_main"].isin(list(m["crops"])) if "land_use_main" in frame.columns else \
            pd.Series(False, index=frame.index)
        if "land_use" in frame.columns:
            codes &= ~frame["land_use"].map(landuse.is_mixed).astype(bool)
        counted, rest = clipped(frame[codes & _mask(frame, m.get("where"))]), frame.iloc[0:0]
    else:
        counted, rest = clipped(frame[_mask(frame, m.get("where"))]), frame.iloc[0:0]
    planned = None
    if m.get("include_planned") and measurer.planned_fields is not None and len(measurer.planned_fields):
        planned = measurer.planned_fields.to_crs(measurer.crs)
    return [Footprint(key=target.key, layer=m["layer"], counted=counted, rest=rest, planned=planned)]


#: Layer and column names as a land officer reads them, for :func:`source_text`.
LAYER_NAMES: dict[str, Text] = texts({
    "parcels": ("thửa đất", "parcels"), "villages": ("thôn", "villages"),
    "rice_fields": ("cánh đồng lúa", "rice fields"), "aquaculture_ponds": ("ao nuôi trồng thủy sản", "aquaculture ponds"),
    "concentrated_fields": ("cánh đồng tập trung", "concentrated fields"),
    "recovered_land": ("đất thu hồi", "recovered land"), "roads": ("đường giao thông", "roads"),
    "canals": ("kênh mương", "canals"), "commune": ("ranh giới xã", "commune boundary"),
})
COLUMN_NAMES: dict[str, Text] = texts({
    "land_use_main": ("mã loại đất", "land-use code"), "crop": ("cây trồng", "crop"),
    "VUDONG": ("cây vụ đông", "winter crop"), "vietgap": ("VietGAP", "VietGAP"), "VIETGAP": ("VietGAP", "VietGAP"),
    "certificate": ("số GCN", "certificate number"), "owner": ("chủ sử dụng", "land user"),
    "group": ("nhóm đất", "land-use group"), "TRANGTHAI": ("trạng thái", "status"),
    "MUCDICH": ("mục đích", "use"), "CAP": ("cấp đường/kênh", "class"), "KETCAU": ("kết cấu", "surface"),
})


def _filter_text(where: dict[str, Any], lang: str, *, verb: bool = False) -> str:
    """A filter in words; ``verb`` starts plain conditions with "có"/"with" (a share's numerator)."""
    vi = lang == "vi"
    lead = ("có " if vi else "with ") if verb else ""
    parts = []
    for column, wanted in where.items():
        name = COLUMN_NAMES.get(column, Text(column, column))(lang)
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


def parameter_unit(name: str, lang: str = "vi") -> str:
    """The unit of a parameter, from its name: ``*_t_ha`` tonnes per hectare, ``*crops*`` crops a year."""
    return _parameter_unit(name, lang)


def parameter_label(plan: Plan, name: str, lang: str = "vi") -> str:
    """A parameter's label from the plan's ``[parameter_labels]`` (``name = ["vi", "en"]``), else its name."""
    label = plan.parameter_labels.get(name)
    return label[0 if lang == "vi" else 1] if label else name


def _parameter_unit(name: str, lang: str) -> str:
    if name.endswith("_t_ha"):
        return "tấn/ha" if lang == "vi" else "t/ha"
    if "crops" in name:
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
            factors = " × ".join(
                f"{_plain(plan.parameters[p], lang)} {_parameter_unit(p, lang)}".strip()
                + ((" (giá trị tạm " if vi else " (placeholder ") + p + ")" if p in plan.placeholders else "")
                for p in term[1:])
            terms.append(f"{base} × {factors}")
        return ("Ước tính: " if vi else "Estimate: ") + " + ".join(terms)
    layer = LAYER_NAMES.get(m.get("layer", ""), Text(m.get("layer", ""), m.get("layer", "")))(lang)
    what = texts({"area": ("Diện tích", "Area of"), "union_area": ("Diện tích (gộp chồng lấn)", "Dissolved area of"),
                  "share": ("Tỷ lệ diện tích", "Share of the area of"),
                  "length_share": ("Tỷ lệ chiều dài", "Share of the length of"),
                  "count": ("Số", "Number of"), "villages_with": ("Số thôn có", "Villages with"),
                  "crop_area": ("Diện tích gieo cấy (ha × số vụ) của", "Crop-hectares (ha × crops a year) of")})[str(kind)]
    text = f"{what(lang)} {layer}"
    if kind == "crop_area":
        counts = ", ".join(f"{code} {_plain(plan.parameters[name], lang)} {'vụ' if vi else 'crops'}"
                           for code, name in m.get("crops", {}).items())
        text += (f" ({counts}; số vụ ghi trên thửa được dùng khi có; thửa mã hỗn hợp không tính)" if vi
                 else f" ({counts}; a parcel's own crop count is used when it has one; mixed-code parcels not counted)")
    if m.get("year") is not None:
        text += f", {'năm' if vi else 'in'} {m['year']}"
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
        name = LAYER_NAMES.get(m["outside"], Text(m["outside"], m["outside"]))(lang)
        text += f", {'trừ phần' if vi else 'less the'} {name}"
    if m.get("include_planned"):
        text += ", kể cả cánh đồng quy hoạch mới" if vi else ", planned fields included"
    if kind == "villages_with" and m.get("villages"):
        text += f" ({'trong' if vi else 'among'} {', '.join(m['villages'])})"
    return text
