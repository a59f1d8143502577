"""How every page looks: the one style sheet, Streamlit's own words in the user's language, and number tables.

- :func:`install_style` puts ``app_pages/style.css`` on the page once per run (``app.py`` calls it). Its
  first part (layout) always applies; the rest puts Streamlit's own English words (the upload box, "No
  results", "Press Enter to apply", the tables' toolbar) into Vietnamese and is left out when the interface
  is in English, so English stays Streamlit's own.
- :func:`map_view` is the centre and zoom that show an extent on a page's map (every map page uses it).
- :func:`number_table` shows a table's number columns in the user's convention (``1.234,5`` in Vietnamese,
  ``1,234.5`` in English) while the values stay numbers, so that a click on a column's header sorts them as
  numbers. Streamlit's ``NumberColumn`` formats cannot do this: a printf format keeps the decimal point, and
  ``"localized"`` follows the browser's locale, not the language chosen in the app (an office PC often runs
  an English browser). A pandas ``Styler`` gives each cell its display text and keeps the value underneath.
- The blocks every page would otherwise write again: :func:`halt` (a page that cannot be shown says why and
  stops), :func:`error` (the same without stopping), :func:`refusal` (why an action was refused),
  :func:`show_flash` (a callback's message, shown once), :func:`workspace_notice` (a workspace that cannot be
  read or written), :func:`demo_caption` (the demonstration-data sentence under a title) and :func:`download`
  (a download button whose file is logged under the name it is saved as).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from app_pages.context import lang, log_download, t
from app_pages.text import literal
from gis.core import i18n
from gis.core.errors import GisError
from gis.files.uploads import MAX_UPLOAD_BYTES
from layers.geometry import zoom_for
from layers.render import MAP_HEIGHT_PX, MAP_WIDTH_PX

STYLE_SHEET = Path(__file__).with_name("style.css")
#: The line of the style sheet after which everything is Streamlit's words in Vietnamese.
VIETNAMESE_PART = "/* -- Streamlit's own words in Vietnamese"


@functools.lru_cache(maxsize=2)
def style_css(lang: str) -> str:
    """The style sheet for the interface in ``lang`` (``"vi"`` or ``"en"``), read once per language, not at
    every rerun (the file ships with the tool)."""
    text = STYLE_SHEET.read_text(encoding="utf-8")
    layout, _, words = text.partition(VIETNAMESE_PART)
    if lang != "vi":
        return layout
    megabytes = i18n.number(MAX_UPLOAD_BYTES / 2**20, 0, lang="vi")
    return f':root{{--lp-upload-mb:"{megabytes}"}}\n{layout}{VIETNAMESE_PART}{words}'


def install_style(lang: str) -> None:
    """Put the style sheet on the page (a ``<style>`` only: Streamlit gives it no room on the page)."""
    st.html(f"<style>{style_css(lang)}</style>")


def map_view(bounds: tuple[float, float, float, float] | Sequence[float], *, max_zoom: int = 18,
             width_px: int = MAP_WIDTH_PX, height_px: int = MAP_HEIGHT_PX) -> dict:
    """The view of a map that shows ``bounds`` (west, south, east, north in degrees) whole, in a map of
    ``width_px`` × ``height_px``, zoomed in no further than ``max_zoom``: ``{"center": [lat, lon], "zoom": z}``
    as ``st_folium(center=, zoom=)`` takes it (the centre rounded to 7 decimals, about a centimetre).
    """
    west, south, east, north = (float(v) for v in bounds)
    zoom = zoom_for((west, south, east, north), width_px=width_px, height_px=height_px, max_zoom=max_zoom)
    return {"center": [round((south + north) / 2, 7), round((west + east) / 2, 7)], "zoom": zoom}


def _shown(value: object, digits: int, lang: str, suffix: str) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    return i18n.number(float(value), digits, lang=lang) + suffix  # type: ignore[arg-type]


def number_table(frame: pd.DataFrame, digits: Mapping[str, int], *, lang: str,
                 suffix: Mapping[str, str] | None = None) -> Styler:
    """``frame`` to pass to ``st.dataframe``, its number columns shown in ``lang``'s convention.

    Parameters
    ----------
    frame
        The table, number columns as numbers (a missing value as NaN or ``None``: shown as "—").
    digits
        The decimals of each number column, by column name.
    lang
        ``"vi"`` or ``"en"``.
    suffix
        Text after the number in a column (``" %"``), by column name.

    Returns
    -------
    Styler
        The same values (sorted as numbers by the table), each number cell with its display text.
    """
    table = frame.copy()
    for col in digits:
        table[col] = pd.to_numeric(table[col], errors="coerce")
    after = dict(suffix or {})

    def formatter(col: str):
        return lambda v: _shown(v, digits[col], lang, after.get(col, ""))

    return table.style.format({col: formatter(col) for col in digits})


def error(exc: GisError) -> None:
    """``exc`` shown as the page's error, its message (text from data inside) never read as markup."""
    st.error(f"{t('error')}: {literal(exc.text(lang()))}")


def halt(exc: GisError) -> NoReturn:
    """``exc`` shown as the page's error (:func:`error`), and the rest of the page not run."""
    error(exc)
    st.stop()
    raise AssertionError("st.stop() returned")  # for the type checker: never reached


def refusal(title: str, message: str) -> str:
    """``**title**: message`` for ``st.error`` or a flash: ``title`` is the page's own words (bold), ``message``
    (a domain error's text, data inside) is shown literally."""
    return f"**{title}**: {literal(message)}"


def show_flash(key: str, where: Any = st) -> None:
    """The message a callback left in the session under ``key`` (``(kind, text)``, kind one of ``"success"``,
    ``"info"``, ``"warning"``, ``"error"``), shown once in ``where`` (the page by default) and forgotten."""
    flash = st.session_state.pop(key, None)
    if flash:
        getattr(where, flash[0])(flash[1])


def workspace_notice(fault: GisError | None) -> None:
    """The workspace's fault (:func:`gis.workspace.workspace_fault`), if any, at the top of a page that stays
    usable without it (what can be read is shown; saving is refused)."""
    if fault is not None:
        st.error(literal(fault.text(lang())), icon=":material/block:")


def demo_caption() -> None:
    """The demonstration-data sentence (:data:`gis.core.text.DEMO_NOTE`), as a caption under the page's title."""
    st.caption(f"ℹ️ {t('demo_note')}")


def download(label: str, data: bytes | str, file_name: str, *, mime: str, where: Any = st, **kwargs: Any) -> None:
    """A download button (in ``where``, a column or container; the page by default) for ``data`` saved as
    ``file_name``; the click is logged under the same name (:func:`app_pages.context.log_download`).

    ``kwargs`` go to ``st.download_button`` as they are (``icon``, ``key``, ``help``...).
    """
    where.download_button(label, data, file_name=file_name, mime=mime, on_click=log_download(file_name), **kwargs)
