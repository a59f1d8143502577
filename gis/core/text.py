"""Text the user reads, in Vietnamese (the default) and English, and the figures written the way each reads them.

One type for a sentence in both languages, :class:`Text`, and one for the language, :data:`Lang`. The domain's
messages (:class:`gis.core.errors.GisError`, the notes of a recovery), the pages' tables of words and the printed
sheets hold a :class:`Text` and pick the language at the last moment (``text(lang)`` or ``text.get(lang)``).

The formatters write a figure as the reader writes it: :func:`number` (``1.234,56`` in Vietnamese, ``1,234.56``
in English), :func:`short_number` (no trailing zeros), :func:`area_ha`, :func:`area_m2`, :func:`percent` and
:func:`day` (``dd/mm/yyyy`` in both languages, the order every Vietnamese form uses). :func:`strip_accents`
is the one way text loses its diacritics (to search, to match a header or a name, to make a file name).

Pure: no streamlit, no files.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

#: A language of the interface: Vietnamese (the default) or English.
Lang = Literal["vi", "en"]
#: Every language, the default first.
LANGS: tuple[Lang, ...] = ("vi", "en")


@dataclass(frozen=True)
class Text:
    """One sentence (or word) in Vietnamese and in English.

    Parameters
    ----------
    vi
        The Vietnamese (what the user reads by default), with its diacritics.
    en
        The same in English.

    Examples
    --------
    >>> hello = Text("Xin chào", "Hello")
    >>> hello("en"), hello.get("vi")
    ('Hello', 'Xin chào')
    """

    vi: str
    en: str

    def __post_init__(self) -> None:
        if not isinstance(self.vi, str) or not isinstance(self.en, str):
            raise TypeError(f"Text takes two strings, not {type(self.vi).__name__} and {type(self.en).__name__}")

    def get(self, lang: str = "vi") -> str:
        """The text in ``lang``: the Vietnamese for ``"vi"``, the English otherwise."""
        return self.vi if lang == "vi" else self.en

    def __call__(self, lang: str = "vi") -> str:
        """The text in ``lang`` (the same as :meth:`get`)."""
        return self.get(lang)

    def text(self, lang: str = "vi") -> str:
        """The text in ``lang`` (the same as :meth:`get`; the name the notes and errors have always used)."""
        return self.get(lang)

    def format(self, *args: object, **kwargs: object) -> Text:
        """Both languages with ``str.format`` applied to each (the same values in both)."""
        return Text(self.vi.format(*args, **kwargs), self.en.format(*args, **kwargs))

    def __add__(self, other: Text | str) -> Text:
        """The two texts one after the other (a plain string is added to both languages)."""
        if isinstance(other, Text):
            return Text(self.vi + other.vi, self.en + other.en)
        if isinstance(other, str):
            return Text(self.vi + other, self.en + other)
        return NotImplemented


def texts(table: Mapping[str, Text | tuple[str, str]]) -> dict[str, Text]:
    """A page's or a sheet's table of words, each ``(vietnamese, english)`` pair made a :class:`Text`."""
    return {key: pair if isinstance(pair, Text) else Text(*pair) for key, pair in table.items()}


#: The sentence under every figure, sheet and page made from the built-in demonstration data.
DEMO_NOTE = Text("Dữ liệu minh họa, không phải dữ liệu đo đạc thực tế.", "Demonstration data, not real survey data.")
#: The longer note beside the app's pages (where the built-in data comes from).
DEMO_NOTE_LONG = Text(
    "Đây là dữ liệu minh họa, không phải dữ liệu đo đạc thực tế. Chỉ ranh giới xã lấy từ bản đồ "
    "Tổng điều tra 2009; thửa đất, chủ sử dụng, dự án và cánh đồng đều là giả định.",
    "This is demonstration data, not real survey data. Only the commune outline comes from the 2009 "
    "census map; parcels, land users, projects and fields are invented.",
)


def demo_note(lang: str = "vi", *, stop: bool = True) -> str:
    """The demonstration-data sentence in ``lang``; without its full stop when ``stop`` is false (a stamp on a
    printed sheet, a field of a data file)."""
    text = DEMO_NOTE.get(lang)
    return text if stop else text.rstrip(".")


def number(value: float, digits: int = 2, *, lang: str = "vi") -> str:
    """A number as the user writes it: ``1.234,56`` in Vietnamese, ``1,234.56`` in English.

    Examples
    --------
    >>> number(1234.5), number(1234.5, 1, lang="en")
    ('1.234,50', '1,234.5')
    """
    text = f"{value:,.{digits}f}"
    if lang == "vi":
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return text


def short_number(value: float, *, lang: str = "vi", max_digits: int = 4) -> str:
    """A number as written, without trailing zeros: ``30`` and ``0,5`` in Vietnamese, ``0.5`` in English.

    Examples
    --------
    >>> short_number(0.5), short_number(30.0, lang="en"), short_number(1234.25, max_digits=1)
    ('0,5', '30', '1.234,2')
    """
    text = number(value, max_digits, lang=lang)
    point = "," if lang == "vi" else "."
    return text.rstrip("0").rstrip(point) if point in text else text


def area_ha(value_ha: float, digits: int = 2, *, lang: str = "vi") -> str:
    """An area in hectares with its unit: ``1.322,37 ha``."""
    return f"{number(value_ha, digits, lang=lang)} ha"


def area_m2(value_m2: float, digits: int = 1, *, lang: str = "vi") -> str:
    """An area in square metres with its unit: ``730,1 m²``."""
    return f"{number(value_m2, digits, lang=lang)} m²"


def percent(value_pct: float, digits: int = 1, *, lang: str = "vi") -> str:
    """A share already in per cent, with a space before the sign as both languages print it here: ``11,8 %``."""
    return f"{number(value_pct, digits, lang=lang)} %"


def day(value: dt.date | str | None) -> str:
    """A date as ``dd/mm/yyyy`` (both languages; the order of every Vietnamese form); ``""`` for none.

    ``value`` is a date or an ISO text (``2024-05-03`` or ``2024-05-03T10:00:00``).

    Examples
    --------
    >>> day("2024-05-03T10:00:00"), day(dt.date(2024, 1, 2))
    ('03/05/2024', '02/01/2024')
    """
    if not value:
        return ""
    if isinstance(value, str):
        y, m, d = value[:10].split("-")
        return f"{d}/{m}/{y}"
    return f"{value:%d/%m/%Y}"


def strip_accents(text: str, *, compatible: bool = False) -> str:
    """``text`` without its diacritics: every non-spacing mark dropped, ``đ``/``Đ`` made ``d``/``D`` (a letter of
    its own, which Unicode does not decompose). Case and spaces are kept.

    ``compatible`` also folds compatibility characters (``²`` to ``2``, ``ﬁ`` to ``fi``), as a file name wants.

    Examples
    --------
    >>> strip_accents("Đồng Lương Phong"), strip_accents("m²", compatible=True)
    ('Dong Luong Phong', 'm2')
    """
    decomposed = unicodedata.normalize("NFKD" if compatible else "NFD", text)
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return bare.replace("đ", "d").replace("Đ", "D")
