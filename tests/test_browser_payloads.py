"""Hostile text in every field of an imported file, through every page, in a real browser.

A GeoPackage of nine parcels at Lương Phong (EPSG:9214) whose owner, address (so village), land-use code,
sheet, parcel number, note and one extra column (named with markup too) hold script, iframe, image, SVG,
Markdown, Streamlit-directive, LaTeX and spreadsheet payloads is imported through the Data page as an
officer would (the file uploader, then the import button). Then every page is opened, a parcel is clicked
on the map to open its card, and a payload owner is searched for. The test fails on any dialog, any
request outside 127.0.0.1 (``conftest.offline_page``), any page error, ``window.__pwned`` set in any frame,
or any element a payload created (in every frame); and it checks the payload text is shown as text.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from conftest import MAP_IFRAME, open_offline_page, start_app, stop_app, wait_parcels_drawn, wait_tiles_painted
from vn_files import E0, N0

pytestmark = pytest.mark.browser

TIMEOUT_MS = 90_000
PAYLOADS = [
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    '<iframe srcdoc="<script>parent.__pwned=1</script>">',
    "<svg onload=window.__pwned=1>",
    "![x](http://evil.example/x.png)",
    "[click](javascript:window.__pwned=1)",
    ":red[red]",
    "$x^2$",
    '=HYPERLINK("http://evil.example")',
]
EXTRA_COLUMN = '<b onmouseover="window.__pwned=1">cot</b>'
#: A land-use code that stays markup after the import's normalisation (upper case, split on / , ; and spaces).
CODE_PAYLOAD = "<IMG\tSRC=X\tONERROR=\"__PWNED=1\">"
N = len(PAYLOADS)

# Everything a payload could have made, looked for in one frame's document (JavaScript; returns a list).
FIND_PAYLOAD_ELEMENTS = r"""() => {
    const found = [];
    const say = (el, why) => found.push(why + ": <" + el.tagName.toLowerCase() + "> "
                                       + (el.outerHTML || "").slice(0, 120));
    for (const el of document.querySelectorAll("img[src='x' i], iframe[srcdoc*='__pwned'], svg[onload], "
                                                + "a[href^='javascript' i], .katex")) say(el, "payload element");
    for (const el of document.querySelectorAll("*")) {
        for (const a of Array.from(el.attributes || [])) {
            const name = a.name.toLowerCase(), value = a.value || "";
            if (name.startsWith("on") && value.includes("__pwned")) say(el, "handler " + name);
            if (["src", "href", "srcdoc", "xlink:href", "action", "formaction"].includes(name)
                && (value.includes("evil.example") || /^\s*javascript:/i.test(value))) say(el, "address " + name);
        }
    }
    for (const el of document.querySelectorAll("script")) {
        if (/^\s*(window|parent)\.__pwned/.test(el.textContent || "")) say(el, "payload script");
    }
    for (const el of document.querySelectorAll("[class*='stMarkdownColored']")) {
        if ((el.textContent || "").trim() === "red") say(el, "directive");
    }
    for (const el of document.querySelectorAll("a")) {
        if ((el.textContent || "").trim() === "click") say(el, "markdown link");
    }
    return found;
}"""


def payload_frame() -> gpd.GeoDataFrame:
    """Nine 1 ha parcels whose every text field is a payload (a different one per field), and a tenth
    (:data:`CLICKED`) with payloads in every field but its sheet and number.

    The map's click answer carries the sheet and number as integers (``layers.parcels``), so only a parcel
    with numeric ones is selected by a click; the others open their card through the search.
    """
    geoms = [shapely.box(E0 + (i % 3) * 100, N0 + (i // 3) * 100, E0 + (i % 3 + 1) * 100, N0 + (i // 3 + 1) * 100)
             for i in range(N + 1)]
    return gpd.GeoDataFrame({
        "SHBANDO": [PAYLOADS[(i + 3) % N] for i in range(N)] + [12],
        "SHTHUA": [PAYLOADS[(i + 4) % N] for i in range(N)] + [10],
        "MALOAIDAT": [PAYLOADS[(i + 2) % N] for i in range(N)] + [CODE_PAYLOAD],
        "DIENTICH": [10_000.0] * (N + 1),
        "TENCHU": [PAYLOADS[i % N] for i in range(N + 1)],
        "DIACHI": [f"Thôn {PAYLOADS[(i + 1) % N]}, xã Lương Phong" for i in range(N + 1)],
        "GHICHU": [PAYLOADS[(i + 5) % N] for i in range(N + 1)],
        EXTRA_COLUMN: [PAYLOADS[(i + 6) % N] for i in range(N + 1)],
    }, geometry=geoms, crs=9214).astype({"SHBANDO": str, "SHTHUA": str})


#: The parcel clicked on the map: sheet 12, parcel 10, owner ``PAYLOADS[0]``, village ``PAYLOADS[1]``, code
#: :data:`CODE_PAYLOAD`.
CLICKED = N


@pytest.fixture(scope="module")
def payload_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("payload_file") / "thua_dat_doc_hai.gpkg"
    payload_frame().to_file(path, driver="GPKG")
    return path


@pytest.fixture(scope="module")
def payload_app(tmp_path_factory):
    """The real app with its own workspace (the import writes there)."""
    workspace_file = str(tmp_path_factory.mktemp("payload_ws") / "workspace.gpkg")
    app = start_app(tmp_path_factory.mktemp("payload_app") / "streamlit.log", env={"LUONGPHONG_WORKSPACE": workspace_file})
    try:
        yield app
    finally:
        stop_app(app)


def settle(page) -> None:
    """Wait until the script run is over: no status widget running and no element left from the last run."""
    page.wait_for_function("""() => !document.querySelector('[data-testid="stStatusWidget"]')
        && document.querySelectorAll('[data-stale="true"]').length === 0
        && !document.querySelector('[data-testid="stSkeleton"]')""", timeout=TIMEOUT_MS)


def check(page, record, dialogs: list[str], where: str) -> None:
    """No dialog, no outside request or page error, ``__pwned`` unset and no payload element, in every frame."""
    assert dialogs == [], where
    assert page.locator("[data-testid='stException']").count() == 0, where  # every page ran to its end
    assert record.problems() == [], where
    for frame in page.frames:
        if frame.is_detached():
            continue
        assert frame.evaluate("() => window.__pwned === undefined && window.__PWNED === undefined"), (where, frame.url)
        assert frame.evaluate(FIND_PAYLOAD_ELEMENTS) == [], (where, frame.url)


def open_page(page, name: str, heading: str) -> None:
    page.get_by_role("link", name=name, exact=True).click()
    page.get_by_role("heading", name=heading).first.wait_for(timeout=TIMEOUT_MS)
    settle(page)


def parcel_point(i: int) -> tuple[float, float]:
    """(lat, lng) of the middle of parcel ``i``."""
    centre = gpd.GeoSeries([payload_frame().geometry.iloc[i].centroid], crs=9214).to_crs(4326).iloc[0]
    return centre.y, centre.x


def map_frame(page):
    handle = page.wait_for_selector(MAP_IFRAME, state="attached", timeout=TIMEOUT_MS)
    frame = handle.content_frame()
    wait_parcels_drawn(frame, timeout_ms=TIMEOUT_MS)
    page.wait_for_function(f"document.querySelector('{MAP_IFRAME}').getBoundingClientRect().height > 300",
                           timeout=TIMEOUT_MS)
    return frame


def screen_point(page, frame, lat: float, lng: float, zoom: int = 18) -> tuple[float, float]:
    frame.evaluate("([lat, lng, z]) => { map.setView([lat, lng], z, {animate: false}); }", [lat, lng, zoom])
    x, y = frame.evaluate("([lat, lng]) => { const p = map.latLngToContainerPoint([lat, lng]);"
                          " const r = map.getContainer().getBoundingClientRect(); return [p.x + r.left, p.y + r.top]; }",
                          [lat, lng])
    box = page.query_selector(MAP_IFRAME).bounding_box()
    return box["x"] + x, box["y"] + y


def test_payloads_in_every_field_stay_text_on_every_page(payload_app, chromium, payload_file):
    context, record = open_offline_page(chromium)
    page = record.page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(payload_app.url, wait_until="domcontentloaded")
        page.get_by_role("heading", name="Bản đồ xã Hiệp Hòa").wait_for(timeout=TIMEOUT_MS)
        settle(page)

        # import through the Data page, as an officer would
        open_page(page, "Dữ liệu", "Dữ liệu của xã")
        page.locator("[data-testid='stFileUploader'] input[type=file]").set_input_files(str(payload_file))
        button = page.get_by_role("button", name="Nhập vào không gian làm việc")
        button.wait_for(timeout=TIMEOUT_MS)
        settle(page)
        check(page, record, dialogs, "data page, before the import")
        button.click()
        page.get_by_text(f"Đã nhập {N + 1} thửa").wait_for(timeout=TIMEOUT_MS)
        settle(page)
        check(page, record, dialogs, "data page, after the import")
        page.locator("[data-testid='stMain']").get_by_role("button", name="Dùng bộ dữ liệu này").click()
        page.get_by_text("Mọi trang đang dùng bộ dữ liệu").wait_for(timeout=TIMEOUT_MS)
        settle(page)
        check(page, record, dialogs, "data page, the new dataset in use")

        # the map: a tooltip, a click on a parcel and its card
        open_page(page, "Bản đồ", "Bản đồ khu vực dữ liệu")  # the import records no unit: no commune named
        frame = map_frame(page)
        lat, lng = parcel_point(CLICKED)
        x, y = screen_point(page, frame, lat, lng)
        wait_tiles_painted(frame, timeout_ms=TIMEOUT_MS)  # the parcels are the app's vector tiles
        page.mouse.move(x, y)
        frame.wait_for_selector(".lp-tooltip", timeout=TIMEOUT_MS)
        tooltip = frame.inner_text(".lp-tooltip")
        shown = " ".join(tooltip.split())  # the browser shows the code's tabs as spaces
        assert PAYLOADS[1] in tooltip and f"({' '.join(CODE_PAYLOAD.split())})" in shown  # village and code, as text
        page.mouse.click(x, y)
        page.get_by_role("heading", name="Thửa đất số 10, tờ bản đồ số 12").wait_for(timeout=TIMEOUT_MS)
        settle(page)
        main = page.locator("[data-testid='stMain']")
        main.locator("strong", has_text=PAYLOADS[0]).first.wait_for(state="visible", timeout=TIMEOUT_MS)
        card_text = main.inner_text()
        assert f"Thôn {PAYLOADS[1]}, xã Lương Phong" in card_text  # the address, as written
        check(page, record, dialogs, "map page, parcel card")

        # a search for a payload owner opens the card of a parcel whose sheet and number are payloads too
        box = page.get_by_role("textbox", name="Tìm thửa đất")
        box.fill(PAYLOADS[6])
        box.press("Enter")
        page.get_by_text(f"«{PAYLOADS[6]}»").first.wait_for(timeout=TIMEOUT_MS)
        page.get_by_role("heading", name=f"Thửa đất số {PAYLOADS[1]}, tờ bản đồ số {PAYLOADS[0]}").wait_for(
            timeout=TIMEOUT_MS)
        settle(page)
        main.locator("strong", has_text=PAYLOADS[6]).first.wait_for(state="visible", timeout=TIMEOUT_MS)
        assert f"Thôn {PAYLOADS[7]}, xã Lương Phong" in main.inner_text()
        check(page, record, dialogs, "map page, search")

        for name, heading in (("Thu hồi đất", "Thu hồi đất theo ranh giới dự án"),
                              ("Cánh đồng tập trung", "Cánh đồng tập trung"),
                              ("Chỉ tiêu kế hoạch", "Chỉ tiêu kế hoạch"),
                              ("Tổng hợp diện tích", "Tổng hợp diện tích"),
                              ("Dữ liệu", "Dữ liệu của xã"),
                              ("Trình chiếu", "Toàn cảnh khu vực dữ liệu")):  # last: it hides the sidebar
            open_page(page, name, heading)
            if page.locator(MAP_IFRAME).count():
                map_frame(page)
            check(page, record, dialogs, name)
    finally:
        context.close()
