"""The plan: its file, its targets, roles, rules and parameters, read and checked.

A plan file (``data/plans/2024.toml``) lists each target with its figure, how it compares and how it is
measured (see the comment at the top of that file). :func:`load_plan` reads it with :mod:`tomllib` and checks
it, reporting every problem with its line (found by :func:`gis.jobs.targets.plan_lines.key_lines`); every
meaning comes from the file's keys, none from its comments. :class:`Plan` and :class:`Target` are what it
gives; :func:`parameters_of` and :func:`with_parameters` are the estimates' parameters as the page shows and
changes them.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gis.core.errors import GisError
from gis.core.paths import data_path
from gis.core.text import Text, texts
from gis.jobs.targets.plan_lines import key_lines
from gis.jobs.targets.status import COMPARES, RULE_DEFAULTS

#: The folder of the shipped plan files, one per year (``2024.toml``).
PLANS_DIR = data_path("plans")

#: How a target is measured (``measure.kind``), and the layers a measure may name.
KINDS = ("area", "union_area", "share", "length_share", "count", "villages_with", "crop_area", "estimate",
         "manual")
KNOWN_LAYERS = ("parcels", "villages", "rice_fields", "aquaculture_ponds", "concentrated_fields",
                "recovered_land", "roads", "canals", "commune")

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


class PlanError(GisError):
    """A plan file that cannot be used: every problem found, each with its line."""


@dataclass(frozen=True)
class Target:
    """One ``[[target]]`` of a plan file: what the plan asks and how it is measured.

    ``risk_pct`` and ``tolerance_pct`` are the plan's ``[rules]`` (one value for the whole plan); ``line``
    is the line of the target's ``[[target]]`` header in the file.
    """

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
        """The target's label in ``lang``."""
        return self.label_vi if lang == "vi" else self.label_en


@dataclass(frozen=True)
class Plan:
    """A plan file read and checked.

    ``placeholders`` are the parameters whose values are still placeholders (the file's ``placeholders``
    list, less those :func:`with_parameters` has given another value); ``parameter_notes`` the file's
    ``[parameter_notes]``, the note shown beside each parameter.
    """

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
    parameter_notes: dict[str, str] = field(default_factory=dict)

    def label(self, lang: str = "vi") -> str:
        """The plan's label in ``lang`` (its title when the file gives no label)."""
        if lang == "vi":
            return self.label_vi or self.title_vi
        return self.label_en or self.title_en or self.label_vi or self.title_vi

    def target(self, key: str) -> Target:
        """The target ``key`` (``StopIteration`` when the plan has none)."""
        return next(t for t in self.targets if t.key == key)

    def role(self, name: str) -> Target | None:
        """The target the plan gives the role ``name`` (see :data:`ROLES`), or ``None`` when it gives none."""
        key = self.roles.get(name)
        return next((t for t in self.targets if t.key == key), None) if key else None

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
    where = key_lines(text)
    raw_targets = data.get("target", [])
    problems: list[tuple[int, str, str]] = []
    params = data.get("parameters", {})
    for name, value in params.items():
        if not isinstance(value, int | float):
            problems.append((where.get(("parameters", name), 1), f"tham số «{name}» phải là một số", f"parameter '{name}' must be a number"))
    if not raw_targets:
        problems.append((1, "không có chỉ tiêu nào ([[target]])", "no targets ([[target]])"))
    rules = dict(RULE_DEFAULTS)
    for name, value in data.get("rules", {}).items():
        line = where.get(("rules", name), 1)
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
            problems.append((where.get(("roles", name), 1), f"vai trò «{name}» không có (dùng {', '.join(ROLES)})",
                             f"unknown role '{name}' (use {', '.join(ROLES)})"))
        elif not isinstance(value, str) or not value.strip():
            problems.append((where.get(("roles", name), 1), f"vai trò «{name}» phải là một chuỗi",
                             f"role '{name}' must be a string"))
    targets: list[Target] = []
    keys: set[str] = set()
    for i, raw in enumerate(raw_targets):
        line = where.get(("target", i), 1)
        key = raw.get("key")

        def bad(name: str, vi: str, en: str, i: int = i, line: int = line) -> None:
            problems.append((where.get(("target", i, name), line), vi, en))

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
    for i, t in enumerate(raw_targets):  # estimates may only use targets that exist
        measure = t.get("measure")
        if t.get("key") and isinstance(measure, dict) and measure.get("kind") == "estimate":
            for term in measure.get("terms", []):
                if term and term[0] not in keys:
                    problems.append((where.get(("target", i, "measure"), where.get(("target", i), 1)),
                                     f"chỉ tiêu «{t['key']}»: dùng chỉ tiêu «{term[0]}» không có trong tệp",
                                     f"target '{t['key']}': uses target '{term[0]}', which is not in the file"))
    for name, value in roles.items():
        if name in ROLES and name not in PROJECT_ROLES and isinstance(value, str) and value not in keys:
            problems.append((where.get(("roles", name), 1), f"vai trò «{name}»: chỉ tiêu «{value}» không có trong tệp",
                             f"role '{name}': target '{value}' is not in the file"))
    placeholders = data.get("placeholders", [])
    if not isinstance(placeholders, list) or not all(isinstance(n, str) and n in params for n in placeholders):
        problems.append((where.get(("placeholders",), 1),
                         "«placeholders» phải là danh sách tên các tham số có trong [parameters]",
                         "'placeholders' must be a list of names of parameters in [parameters]"))
        placeholders = []
    notes = data.get("parameter_notes", {})
    if not isinstance(notes, dict):
        problems.append((where.get(("parameter_notes",), 1), "«parameter_notes» phải là một bảng [parameter_notes]",
                         "'parameter_notes' must be a table [parameter_notes]"))
        notes = {}
    for name, value in notes.items():
        if not isinstance(value, str) or name not in params:
            problems.append((where.get(("parameter_notes", name), 1),
                             f"ghi chú tham số «{name}» phải là một chuỗi, cho một tham số có trong [parameters]",
                             f"parameter note '{name}' must be a string, for a parameter in [parameters]"))
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
            problems_late = (where.get(("parameter_labels", name), 1), f"nhãn tham số «{name}» phải là [\"tiếng Việt\", "
                             "\"English\"] của một tham số có trong [parameters]",
                             f"parameter label '{name}' must be [\"Vietnamese\", \"English\"] for a parameter "
                             "in [parameters]")
            raise PlanError(f"Tệp kế hoạch «{path.name}» có lỗi:\n  dòng {problems_late[0]}: {problems_late[1]}",
                            f"The plan file '{path.name}' has errors:\n  line {problems_late[0]}: {problems_late[2]}")
    return Plan(path=path, year=int(data.get("year", 0)), title_vi=data.get("title_vi", ""),
                title_en=data.get("title_en", ""), parameters={k: float(v) for k, v in params.items()},
                targets=tuple(targets), unit=str(data.get("unit", "")), label_vi=str(data.get("label_vi", "")),
                label_en=str(data.get("label_en", "")), rules=rules, roles={k: str(v) for k, v in roles.items()},
                placeholders=frozenset(placeholders), parameter_labels=labels,
                parameter_notes=dict(notes))


@dataclass(frozen=True)
class Parameter:
    """A parameter of the plan's estimates: its value, the note the plan file gives it
    (``[parameter_notes]``, "" when none) and whether it is still a placeholder (the plan gives no figure)."""

    name: str
    value: float
    comment: str
    placeholder: bool


def parameters_of(plan: Plan) -> list[Parameter]:
    """The plan's ``[parameters]`` with their notes and placeholder marks, in file order."""
    return [Parameter(name, value, plan.parameter_notes.get(name, ""), name in plan.placeholders)
            for name, value in plan.parameters.items()]


def with_parameters(plan: Plan, values: dict[str, float]) -> Plan:
    """A copy of ``plan`` whose parameters named in ``values`` are replaced (the others kept).

    A placeholder given another value than the plan's is taken as the commune's own figure: it is no
    longer a placeholder.
    """
    unknown = set(values) - set(plan.parameters)
    if unknown:
        raise PlanError(f"Tham số không có trong kế hoạch: {', '.join(sorted(unknown))}.",
                        f"Parameters not in the plan: {', '.join(sorted(unknown))}.")
    changed = {k for k, v in values.items() if float(v) != plan.parameters[k]}
    return replace(plan, parameters={**plan.parameters, **{k: float(v) for k, v in values.items()}},
                   placeholders=plan.placeholders - changed)

