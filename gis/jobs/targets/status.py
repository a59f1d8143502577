"""A measured figure against the plan: its status, its progress, and the rules in words.

:func:`status_of` and :func:`progress_of` apply the rule of a target's comparison; :func:`rule_text` and
:func:`rules_table` say the rules in Vietnamese or English (the targets page and the README show them);
:data:`STATUS_LABELS`, :data:`COMPARE_LABELS` and :data:`STATUS_COLOURS` are how a status and a comparison
are named and coloured wherever they are shown.

Statuses and progress: one rule per comparison
----------------------------------------------
``m`` is the measured figure, ``p`` the planned one, ``r`` the plan's ``[rules] at_risk_pct`` and ``t`` its
``[rules] about_pct`` (both in per cent, one value for the whole plan, written in the plan file).

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
lists under ``placeholders`` is "estimate" (the placeholder named), never met or not met, and has no progress.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gis.core.text import Text, texts

if TYPE_CHECKING:
    from gis.jobs.targets.plan import Plan

COMPARES = ("at_least", "at_most", "more_than", "less_than", "between", "about", "report")
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
COMPARE_LABELS: dict[str, Text] = texts({
    "at_least": ("≥", "at least"), "at_most": ("≤", "at most"), "more_than": (">", "more than"),
    "less_than": ("<", "less than"), "between": ("từ … đến", "between"), "about": ("khoảng", "about"),
    "report": ("theo dõi", "tracked"),
})
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
    from gis.core.i18n import number

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

