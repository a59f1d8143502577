"""The plan file read honestly: each key's line found by following TOML's structure, and every meaning taken
from keys (``placeholders``, ``[parameter_notes]``), none from comments."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from gis.jobs.targets.plan import PLANS_DIR, PlanError, load_plan, parameters_of
from gis.jobs.targets.plan_lines import key_lines

TRICKY = '''# a comment: key = "not a key"
title = "x"  # [rules] in a comment is no header
words = [
  "key = inside an array",
  "[rules]",
]
text = """
[[target]]
compare = "inside a multi-line string"
"""
a.b = 1

[rules]
at_risk_pct = 5

[[target]]
key = "one"
measure = { kind = "area", layer = "parcels" }

[target.also]
planned = 2

[[target]]
"quoted key" = 3
compare = "at_least"
'''


def test_every_key_is_found_on_its_own_line_and_nothing_inside_a_value_is_taken_for_one():
    tomllib.loads(TRICKY)  # the scan is meant for text tomllib reads
    lines = key_lines(TRICKY)
    # typed by hand from TRICKY above, counting lines from 1
    assert lines == {
        ("title",): 2, ("words",): 3, ("text",): 7, ("a",): 11, ("a", "b"): 11,
        ("rules",): 13, ("rules", "at_risk_pct"): 14,
        ("target", 0): 16, ("target", 0, "key"): 17, ("target", 0, "measure"): 18,
        ("target", 0, "also"): 20, ("target", 0, "also", "planned"): 21,
        ("target", 1): 23, ("target", 1, "quoted key"): 24, ("target", 1, "compare"): 25,
    }


def test_the_shipped_plan_has_a_line_for_every_target_and_parameter():
    text = (PLANS_DIR / "2024.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    lines = key_lines(text)
    rows = text.splitlines()
    for i, raw in enumerate(data["target"]):
        assert rows[lines[("target", i)] - 1].strip() == "[[target]]"
        assert rows[lines[("target", i, "key")] - 1].strip() == f'key = "{raw["key"]}"'
    for name in data["parameters"]:
        assert rows[lines[("parameters", name)] - 1].startswith(f"{name} =")


PLAN = '''year = 2030
placeholders = ["fish_yield"]

[parameters]
maize_yield = 4.0     # placeholder: a comment, which means nothing to the tool
fish_yield = 3.0
about_pct = 7

[parameter_notes]
fish_yield = "kế hoạch không nêu"

[rules]
about_pct = 5

[[target]]
key = "rice_ha"
label_vi = "Lúa"
unit = "ha"
compare = "at_least"
planned = 500
measure = { kind = "area", layer = "parcels" }
'''


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "2030.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_placeholders_and_notes_come_from_keys_never_from_comments(tmp_path):
    plan = load_plan(write(tmp_path, PLAN))
    assert plan.placeholders == frozenset({"fish_yield"})
    params = {p.name: p for p in parameters_of(plan)}
    assert params["fish_yield"].placeholder and params["fish_yield"].comment == "kế hoạch không nêu"
    assert not params["maize_yield"].placeholder and params["maize_yield"].comment == ""


def test_the_shipped_plan_lists_the_yields_it_gives_no_figure_for():
    plan = load_plan(PLANS_DIR / "2024.toml")
    assert plan.placeholders == frozenset({"maize_yield_t_ha", "fish_yield_t_ha"})
    assert set(plan.parameter_notes) <= set(plan.parameters)


@pytest.mark.parametrize(("body", "line", "words"), [
    # a placeholder that is no parameter: the line of the list
    (PLAN.replace('["fish_yield"]', '["fish_yeld"]'), 2, "«placeholders»"),
    # a note for a parameter the plan does not have: the line of that note
    (PLAN.replace('fish_yield = "kế hoạch', 'fish_yeld = "kế hoạch'), 10, "ghi chú tham số «fish_yeld»"),
    # a bad rule named like a parameter: the line in [rules], not the parameter's line 7
    (PLAN.replace("about_pct = 5", "about_pct = 200"), 13, "quy tắc «about_pct»"),
])
def test_a_wrong_key_is_named_at_its_own_line(tmp_path, body, line, words):
    with pytest.raises(PlanError) as err:
        load_plan(write(tmp_path, body))
    assert f"dòng {line}: " in err.value.vi and words in err.value.vi
    assert f"line {line}: " in err.value.en
