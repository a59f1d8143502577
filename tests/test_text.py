"""The one escaping helper for text from data inside Streamlit's Markdown (``app_pages.text.literal``)."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app_pages.text import literal

# Written by hand from CommonMark's rule (a backslash before any ASCII punctuation shows the character) and
# Streamlit's own syntax (directives, icons, LaTeX); line breaks become spaces so no new block can start.
CASES = [
    ("Nguyễn Văn Ước", "Nguyễn Văn Ước"),
    ("Thôn Sơn Quả 1, xã Lương Phong", r"Thôn Sơn Quả 1\, xã Lương Phong"),
    ("**đậm** _nghiêng_", r"\*\*đậm\*\* \_nghiêng\_"),
    ("![x](http://evil.example/x.png)", r"\!\[x\]\(http\:\/\/evil\.example\/x\.png\)"),
    ("[click](javascript:window.__pwned=1)", r"\[click\]\(javascript\:window\.\_\_pwned\=1\)"),
    ("<script>window.__pwned=1</script>", r"\<script\>window\.\_\_pwned\=1\<\/script\>"),
    ('<img src=x onerror="a()">', r"\<img src\=x onerror\=\"a\(\)\"\>"),
    (":red[red]", r"\:red\[red\]"),
    (":material/home:", r"\:material\/home\:"),
    (":color[x]{foreground=\"red\"}", r"\:color\[x\]\{foreground\=\"red\"\}"),
    ("$x^2$", r"\$x\^2\$"),
    ("$$x$$", r"\$\$x\$\$"),
    ("# Tiêu đề", r"\# Tiêu đề"),
    ("- mục", r"\- mục"),
    ("1. mục", r"1\. mục"),
    ("> trích", r"\> trích"),
    ("a | b", r"a \| b"),
    ("`mã`", r"\`mã\`"),
    ("~~gạch~~", r"\~\~gạch\~\~"),
    ("&amp; &#60;", r"\&amp\; \&\#60\;"),
    ("www.evil.example", r"www\.evil\.example"),
    ("a@b.vn", r"a\@b\.vn"),
    ("C:\\du lieu", r"C\:\\du lieu"),
    ("=HYPERLINK(\"http://evil.example\")", r"\=HYPERLINK\(\"http\:\/\/evil\.example\"\)"),
    ("dòng 1\ndòng 2", "dòng 1 dòng 2"),
    ("a\r\n# b", r"a  \# b"),
    ("a\tb\x00c\u2028d", "a b c d"),
    ("12/345", r"12\/345"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_literal_escapes_every_markdown_and_streamlit_construct(text, expected):
    assert literal(text) == expected


def test_literal_of_none_and_numbers():
    assert literal(None) == ""
    assert literal(12) == "12"
    assert literal(-2.5) == r"\-2\.5"


def control(char: str) -> bool:
    return ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F or char in "\u2028\u2029"


def shown(markdown: str) -> str:
    """What CommonMark shows for text made only of plain characters and backslash escapes."""
    out, i = [], 0
    while i < len(markdown):
        char = markdown[i]
        if char == "\\":
            assert markdown[i + 1] in string.punctuation, markdown  # an escape, never a bare backslash
            out.append(markdown[i + 1])
            i += 2
            continue
        assert char not in string.punctuation, markdown  # no punctuation left unescaped
        assert not control(char), markdown  # no line break, no control character
        out.append(char)
        i += 1
    return "".join(out)


@given(st.text())
def test_literal_is_plain_text_that_shows_the_value(text):
    expected = "".join(" " if control(c) else c for c in text)
    assert shown(literal(text)) == expected
