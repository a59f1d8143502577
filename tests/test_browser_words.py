"""No English on screen in the Vietnamese interface, Streamlit's own widgets included; English when chosen.

Every page is opened in headless Chromium (offline), the widgets that show Streamlit's own words are made to
show them (a filter with no match, a text box being typed in, a table's toolbar and its tooltips, the upload
box), and the text actually on screen is collected: every text node that is drawn (not hidden, not of zero
size: Streamlit's words hidden by the style sheet are still in ``innerText``, so it would not do) and the
``::before``/``::after`` text the style sheet puts in their place. Icon ligatures (``upload``) are names,
not words, and are left out.
"""

from __future__ import annotations

import re

import pytest
from conftest import MAP_IFRAME

pytestmark = pytest.mark.browser
TIMEOUT_MS = 90_000

#: What Streamlit writes in English (case-insensitive, whole words).
ENGLISH = ["Drag and drop", "Browse files", "Limit", "per file", "Upload", "No results", "Search", "Download",
           "Fullscreen", "Press Enter", "Show/hide columns", "Type to search", "Close", "Clear all", "Choose",
           "options available", "Sort ascending", "Sort descending"]
PATTERN = re.compile("|".join(r"\b" + re.escape(w) + r"\b" for w in ENGLISH), re.IGNORECASE)

#: The text drawn on screen in the main frame (see the module's docstring).
VISIBLE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || !node.textContent.trim() || el.closest('script, style, [data-testid="stIconMaterial"]')) continue;
    const cs = getComputedStyle(el), r = el.getBoundingClientRect();
    if (cs.visibility === 'hidden' || parseFloat(cs.fontSize) === 0 || r.width <= 1 || r.height <= 1) continue;
    out.push(node.textContent.trim());
  }
  for (const el of document.body.querySelectorAll('*')) {
    for (const pseudo of ['::before', '::after']) {
      const c = getComputedStyle(el, pseudo).content;
      if (c && c !== 'none' && c !== 'normal' && el.getBoundingClientRect().width > 1) out.push(c);
    }
  }
  return out.join('\\n');
}"""

#: (sidebar link, a heading or text of the page once it ran, whether it has the commune map)
PAGES = [
    ("Bản đồ", True), ("Thu hồi đất", True), ("Cánh đồng tập trung", True), ("Chỉ tiêu kế hoạch", True),
    ("Tổng hợp diện tích", False), ("Dữ liệu", False), ("Trình chiếu", True),
]
MARK_OLD_MAPS = f"document.querySelectorAll('{MAP_IFRAME}').forEach(f => f.dataset.lpOld = '1')"
NEW_MAP_DRAWN = f"""[...document.querySelectorAll('{MAP_IFRAME}')].some(f => !f.dataset.lpOld
    && f.contentWindow && f.contentWindow.lpmap && f.contentWindow.lpmap.layers.parcels)"""
#: Any map drawn: the page the app opens on (its map may be drawn before the first check, and a click on the
#: link of the page already shown reruns nothing, so no new map would ever come).
MAP_DRAWN = f"""[...document.querySelectorAll('{MAP_IFRAME}')].some(f => f.contentWindow && f.contentWindow.lpmap
    && f.contentWindow.lpmap.layers.parcels)"""


def _english(page) -> list[str]:
    return sorted({m.group(0) for m in PATTERN.finditer(page.evaluate(VISIBLE_TEXT))})


def _open(page, link: str, has_map: bool, *, shown: bool = False) -> None:
    """Open the page of ``link`` and wait until it ran (and drew its map); ``shown``: it is the page the app
    opened on, already there (no click)."""
    if shown:
        if has_map:
            page.wait_for_function(MAP_DRAWN, timeout=TIMEOUT_MS)
        page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=TIMEOUT_MS)
        return
    page.evaluate(MARK_OLD_MAPS)
    page.get_by_role("link", name=link).click(timeout=TIMEOUT_MS)
    if has_map:
        page.wait_for_function(NEW_MAP_DRAWN, timeout=TIMEOUT_MS)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=TIMEOUT_MS)


def _table_toolbar(page) -> list[str]:
    """Hover each button of the first table's toolbar; the English seen while its tooltip shows."""
    seen = []
    table = page.locator('[data-testid="stDataFrame"]').first
    table.hover()
    for label in ("Show/hide columns", "Download as CSV", "Search", "Fullscreen"):
        button = page.locator(f'[data-testid="stElementToolbar"] button[aria-label="{label}"]').first
        # the pointer on the button when its tooltip is read: under load the toolbar can still be moving in
        # when the pointer arrives, and a tooltip opened by a button the pointer has already left is not the
        # state under test (its words are hidden while the button is under the pointer, app_pages/style.css)
        for _ in range(3):
            button.hover()
            if button.evaluate("el => el.matches(':hover')"):
                break
        page.locator('[data-testid="stTooltipContent"]').first.wait_for(timeout=TIMEOUT_MS)
        seen += _english(page)
    page.locator('[data-testid="stElementToolbar"] button[aria-label="Search"]').first.click()
    page.wait_for_selector('[data-testid="search-input"]', timeout=TIMEOUT_MS)
    seen += _english(page)
    page.keyboard.press("Escape")
    # a column's menu (opened from the right end of the last column's header, in the other table)
    box = page.locator('[data-testid="stDataFrame"]').nth(1).bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.9, box["y"] + 17)
    page.mouse.click(box["x"] + box["width"] * 0.98, box["y"] + 17)
    page.wait_for_selector('[data-testid="stDataFrameColumnMenu"]', state="attached", timeout=TIMEOUT_MS)
    return seen + _english(page)


def test_no_english_shows_on_any_page_in_vietnamese(streamlit_app, offline_page):
    page = offline_page.page
    page.goto(streamlit_app.url, wait_until="domcontentloaded")
    page.get_by_role("link", name="Bản đồ").wait_for(timeout=TIMEOUT_MS)
    found: dict[str, list[str]] = {}
    for k, (link, has_map) in enumerate(PAGES):
        _open(page, link, has_map, shown=k == 0)  # the app opens on the map page (the first of PAGES)
        words = _english(page)
        if link == "Bản đồ":
            page.locator('[data-testid="stMultiSelect"]').first.click()
            page.keyboard.type("khôngcóthônnày")
            page.locator('div[role="option"]').first.wait_for(timeout=TIMEOUT_MS)
            words += _english(page)
            page.keyboard.press("Escape")
            page.locator('[data-testid="stTextInput"] input').first.fill("12/3")
            page.locator('[data-testid="InputInstructions"]').first.wait_for(timeout=TIMEOUT_MS)
            words += _english(page)
            page.locator('[data-testid="stTextInput"] input').first.fill("")
        if link == "Tổng hợp diện tích":
            words += _table_toolbar(page)
            page.keyboard.press("Escape")
        if link == "Dữ liệu":
            page.locator('[data-testid="stFileUploaderDropzone"]').first.wait_for(timeout=TIMEOUT_MS)
            words += _english(page)
            assert "Kéo thả tệp vào đây" in page.evaluate(VISIBLE_TEXT)
        if words:
            found[link] = sorted(set(words))
    assert found == {}
    assert [p for p in offline_page.problems() if "/presentation/_stcore" not in p] == []


def test_streamlit_keeps_its_english_words_in_the_english_interface(streamlit_app, offline_page):
    page = offline_page.page
    page.goto(streamlit_app.url, wait_until="domcontentloaded")
    page.get_by_text("English", exact=True).click(timeout=TIMEOUT_MS)
    page.get_by_role("link", name="Data").click(timeout=TIMEOUT_MS)
    page.locator('[data-testid="stFileUploaderDropzone"]').first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=TIMEOUT_MS)
    text = page.evaluate(VISIBLE_TEXT)
    assert "Upload" in text and "per file" in text  # Streamlit's own, not ours
    assert "Kéo thả" not in text
