"""Text from data inside Streamlit's Markdown: the one place that escapes it.

Streamlit renders the body of ``st.markdown``, ``st.caption``, ``st.info``/``warning``/``error``/``success``,
``st.subheader`` and the like, and every widget label and ``help`` text, as Markdown: CommonMark with GFM
(tables, strikethrough, bare ``www.``/``http://`` links), ``$...$`` LaTeX, emoji short codes and Streamlit's own
directives (``:red[...]``, ``:material/icon:``, ``:color[...]{...}``). An owner, an address, a file or column
name read from a user's file must never take any of those meanings: it is data, shown as written.

:func:`literal` makes a value safe to put into such Markdown. CommonMark lets a backslash escape any ASCII
punctuation character and then shows the character itself, so escaping *every* one of them switches off every
construct at once (emphasis, links, images, headings, lists, tables, HTML, entities, autolinks, ``$`` maths,
``:`` directives) without having to know each of them. Line breaks and other control characters become
spaces, so data cannot start a new block (a heading, a list, a table row).

Where a widget shows text without Markdown (``format_func`` of a select box, ``placeholder``, cells of
``st.dataframe``/``st.table``, ``st.text``), pass the value unescaped: it is already shown as text there.
"""

from __future__ import annotations

import re
import string

#: Every ASCII punctuation character: CommonMark's backslash escapes cover exactly this set.
_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
#: Line breaks, tabs and other control characters (C0, DEL, C1, and the Unicode line/paragraph separators).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def literal(value: object) -> str:
    """``value`` as text that Streamlit's Markdown shows exactly as written.

    Parameters
    ----------
    value
        Anything from data (``str()`` is taken); ``None`` gives an empty string.

    Returns
    -------
    str
        The text with every ASCII punctuation character backslash-escaped and every line break or control
        character replaced by a space. Put it into Markdown only where plain text belongs (never inside a
        code span, where backslashes are shown).

    Examples
    --------
    >>> literal("**Nguyễn** [x](javascript:alert(1))")
    '\\\\*\\\\*Nguyễn\\\\*\\\\* \\\\[x\\\\]\\\\(javascript\\\\:alert\\\\(1\\\\)\\\\)'
    """
    if value is None:
        return ""
    return _PUNCTUATION.sub(r"\\\1", _CONTROL.sub(" ", str(value)))
