"""Where each table and key of a TOML file is written: its line, for messages that name the line.

:mod:`tomllib` reads a file's values but not where they stand. :func:`key_lines` walks the text once, line
by line, following TOML's own structure: a ``[table]`` header opens that table, the n-th ``[[array]]``
header (counted from 0) opens ``(array, n)`` — a ``[array.sub]`` header under it is ``(array, n, sub)`` —
and a ``key = value`` line gives ``(*table, key)`` (a dotted key ``a.b = 1`` gives ``(*table, "a", "b")``
and ``(*table, "a")``). A value that runs over several lines (an array, a multi-line string) is followed to
its end, so nothing inside it is taken for a key or a header. Comments carry no meaning here: they are
skipped.

Call it on text :mod:`tomllib` has read without error; on other text it gives what it can, never raises.
"""

from __future__ import annotations

#: A place in a TOML document: table names, array indices and the key, outermost first.
KeyPath = tuple[str | int, ...]


class _Value:
    """Follows a value across lines: the brackets still open and whether a multi-line string is open."""

    def __init__(self) -> None:
        self.depth = 0
        self.string = ""  # the delimiter of the open multi-line string, '"""' or "'''"

    @property
    def open(self) -> bool:
        return self.depth > 0 or bool(self.string)

    def feed(self, text: str) -> None:
        i, n = 0, len(text)
        while i < n:
            if self.string:
                if self.string == '"""' and text[i] == "\\":
                    i += 2
                    continue
                if text.startswith(self.string, i):
                    i += 3
                    while i < n and text[i] == self.string[0]:  # up to two quotes may close the content
                        i += 1
                    self.string = ""
                    continue
                i += 1
                continue
            c = text[i]
            if c == "#":
                return
            if text.startswith('"""', i) or text.startswith("'''", i):
                self.string = text[i:i + 3]
                i += 3
                continue
            if c in "\"'":
                i = _string_end(text, i)
                continue
            if c in "[{":
                self.depth += 1
            elif c in "]}":
                self.depth = max(self.depth - 1, 0)
            i += 1


def _string_end(text: str, start: int) -> int:
    """The index just after the one-line string that opens at ``start`` (its end of line when unclosed)."""
    quote = text[start]
    i = start + 1
    while i < len(text):
        if quote == '"' and text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            return i + 1
        i += 1
    return len(text)


def _key_parts(text: str) -> tuple[list[str], int]:
    """The parts of the (dotted, maybe quoted) key that ``text`` starts with, and where the key ends."""
    parts: list[str] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] in "\"'":
            end = _string_end(text, i)
            parts.append(text[i + 1:end - 1])
            i = end
        else:
            start = i
            while i < n and (text[i].isalnum() or text[i] in "_-"):
                i += 1
            if i == start:
                break
            parts.append(text[start:i])
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] == ".":
            i += 1
            continue
        break
    return parts, i


def key_lines(text: str) -> dict[KeyPath, int]:
    """The line (from 1) of every table header and key of the TOML ``text``, by its :data:`KeyPath`."""
    lines: dict[KeyPath, int] = {}
    counts: dict[KeyPath, int] = {}  # [[array]] headers seen, by the array's path
    table: KeyPath = ()
    value = _Value()

    def resolve(names: list[str]) -> KeyPath:
        """A header's names as a path: each array of tables it passes through gets its current index."""
        path: KeyPath = ()
        for name in names:
            path = (*path, name)
            if path in counts:
                path = (*path, counts[path] - 1)
        return path

    for number, line in enumerate(text.splitlines(), start=1):
        if value.open:
            value.feed(line)
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("[["):
            names, _end = _key_parts(stripped[2:])
            parent = resolve(names[:-1])
            array = (*parent, *names[-1:])
            counts[array] = counts.get(array, 0) + 1
            table = (*array, counts[array] - 1)
            lines.setdefault(table, number)
        elif stripped.startswith("["):
            names, _end = _key_parts(stripped[1:])
            table = resolve(names)
            lines.setdefault(table, number)
        else:
            names, end = _key_parts(stripped)
            if not names or not stripped[end:].startswith("="):
                continue
            for k in range(1, len(names) + 1):
                lines.setdefault((*table, *names[:k]), number)
            value.feed(stripped[end + 1:])
    return lines
