"""Tables sort numbers as numbers, in headless Chromium, offline.

The grid is drawn on a canvas; its accessible copy (a hidden ``<table>``) holds each cell's value, which is
what sorting uses. The text drawn (``1.234,5``) comes from the ``Styler`` of :func:`app_pages.ui.number_table`,
checked in ``tests/test_ui.py``.
"""

from __future__ import annotations

import pytest

from gis.files.io import load_dataset
from gis.jobs.summary import summarise

pytestmark = pytest.mark.browser
TIMEOUT_MS = 90_000

#: The cells of a table's second column as drawn (glide-data-grid keeps an accessible copy of the grid).
SECOND_COLUMN = """(table) => [...table.querySelectorAll('tbody tr')]
    .map(tr => tr.querySelector('td[aria-colindex="2"]')).filter(Boolean).map(td => td.textContent)"""


def test_the_village_table_shows_vietnamese_numbers_and_sorts_them_as_numbers(streamlit_app, offline_page):
    page = offline_page.page
    page.goto(streamlit_app.url, wait_until="domcontentloaded")
    page.get_by_role("link", name="Tổng hợp diện tích").click(timeout=TIMEOUT_MS)
    table = page.locator('[data-testid="stDataFrame"]').nth(1)  # "Theo thôn": village, area (ha)
    table.wait_for(timeout=TIMEOUT_MS)
    figures = summarise(load_dataset())
    page.wait_for_function("(n) => document.querySelectorAll('[data-testid=\"stDataFrame\"]')[1]"
                           ".querySelectorAll('tbody tr').length >= n", arg=min(len(figures.by_village), 8),
                           timeout=TIMEOUT_MS)
    shown = table.evaluate(SECOND_COLUMN)
    assert [float(v) for v in shown] == pytest.approx(list(figures.by_village.values())[:len(shown)])  # numbers
    box = table.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + 17)  # the header of "Diện tích (ha)": sort
    page.wait_for_function("""(before) => {
        const cells = [...document.querySelectorAll('[data-testid="stDataFrame"]')[1]
            .querySelectorAll('td[aria-colindex="2"]')].map(td => td.textContent);
        return cells.length > 1 && cells.join() !== before;
    }""", arg=",".join(shown), timeout=TIMEOUT_MS)
    values = [float(t) for t in table.evaluate(SECOND_COLUMN)]
    assert values == sorted(values), values  # by value (as text, "103,8" would come before "40,48")
    assert offline_page.problems() == []
