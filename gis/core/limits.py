"""The limits on the files users bring, read from ``gis/limits.toml``, and the messages that name them.

Every limit is checked before the work it guards (a file's size before it is read, an archive's entries
before anything is unpacked, a sheet's declared dimension before its rows are loaded) and again while the
work streams (bytes unpacked, rows read, the time spent). A file over a limit is refused with a
:class:`gis.core.errors.DataSourceError` that names the limit, the value found and what to do.

Change a limit in ``gis/limits.toml``; :func:`load_limits` reads another file (tests use smaller limits).
"""

from __future__ import annotations

import time
import tomllib
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

from gis.core.errors import DataSourceError
from gis.core.paths import package_path

#: The settings file read by :func:`limits`.
SETTINGS_PATH = package_path("limits.toml")

_MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """The limits, in the units of ``limits.toml`` (see the comments there)."""

    upload_mb: int
    file_mb: int
    unpacked_mb: int
    entries: int
    ratio: float
    ratio_floor_mb: float
    table_mb: int
    rows: int
    columns: int
    cell_chars: int
    features: int
    vertices: int
    path_chars: int
    read_seconds: float

    @property
    def upload_bytes(self) -> int:
        return int(self.upload_mb * _MB)

    @property
    def file_bytes(self) -> int:
        return int(self.file_mb * _MB)

    @property
    def unpacked_bytes(self) -> int:
        return int(self.unpacked_mb * _MB)

    @property
    def table_bytes(self) -> int:
        return int(self.table_mb * _MB)

    @property
    def ratio_floor_bytes(self) -> int:
        return int(self.ratio_floor_mb * _MB)


def load_limits(path: str | Path = SETTINGS_PATH) -> Limits:
    """Read the ``[limits]`` table of a settings file; every limit must be there and be a positive number.

    Raises :class:`DataSourceError` naming the file and the faulty key.
    """
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            table = tomllib.load(fh).get("limits", {})
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataSourceError(
            f"Không đọc được tệp giới hạn «{path}» ({exc}). Hãy sửa lại tệp theo mẫu gis/limits.toml.",
            f"Cannot read the limits file '{path}' ({exc}). Fix it after the model gis/limits.toml.",
        ) from exc
    values: dict[str, float] = {}
    for f in fields(Limits):
        value = table.get(f.name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise DataSourceError(
                f"Tệp giới hạn «{path}»: «{f.name}» phải là một số dương (đang là {value!r}). Hãy sửa lại.",
                f"Limits file '{path}': '{f.name}' must be a positive number (it is {value!r}). Fix it.",
            )
        values[f.name] = value
    return Limits(**values)  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def limits() -> Limits:
    """The limits in force (``gis/limits.toml``), read once."""
    return load_limits()


#: The feature count one command was allowed with ``--max-features`` (None: the limits of the file). Set
#: only by the command line (:func:`allow_features`), for its own process; uploads keep ``features``.
_ALLOWED_FEATURES: int | None = None

#: The option of the commands that raises ``features`` (and ``vertices`` with it), named in the messages.
MAX_FEATURES_OPTION = "--max-features"


#: Vertices a feature may have on average in a layer let in by ``--max-features`` (parcels have 5 to 30).
VERTICES_PER_FEATURE = 32


def allow_features(count: int | None) -> None:
    """Let this process (a command run with ``--max-features COUNT``) read layers of up to ``count`` features,
    and of up to :data:`VERTICES_PER_FEATURE` vertices a feature on average; None goes back to the limits of
    the file."""
    global _ALLOWED_FEATURES
    if count is not None and count <= 0:
        raise DataSourceError(f"{MAX_FEATURES_OPTION} phải là một số dương (đang là {count}).",
                              f"{MAX_FEATURES_OPTION} must be a positive number (it is {count}).")
    _ALLOWED_FEATURES = count


def feature_limits() -> tuple[int, int]:
    """The most features and vertices of one layer in force: ``features`` and ``vertices`` of the file, or
    as many as :func:`allow_features` allowed."""
    lim = limits()
    if _ALLOWED_FEATURES is None or _ALLOWED_FEATURES <= lim.features:
        return lim.features, lim.vertices
    return _ALLOWED_FEATURES, max(lim.vertices, VERTICES_PER_FEATURE * _ALLOWED_FEATURES)


def mb(n: float) -> str:
    """A size in bytes as MB, the unit of the settings file (``"1536 MB"``, ``"0.5 MB"``)."""
    value = n / _MB
    return f"{value:.0f} MB" if value >= 10 else f"{value:.1f} MB"


def over_limit(what_vi: str, what_en: str, *, found: str, limit: str, key: str, todo_vi: str,
               todo_en: str, found_en: str | None = None, limit_en: str | None = None) -> DataSourceError:
    """The error for a file over a limit: what, the value found, the limit and its key, what to do.

    ``found`` and ``limit`` serve both languages unless ``found_en``/``limit_en`` are given.
    """
    return DataSourceError(
        f"{what_vi}: {found}, vượt giới hạn {limit} («{key}» trong gis/limits.toml). {todo_vi}",
        f"{what_en}: {found_en or found}, over the limit of {limit_en or limit} ('{key}' in gis/limits.toml). "
        f"{todo_en}",
    )


def check_file_size(path: Path, *, limit_bytes: int | None = None) -> int:
    """Refuse a file larger than the command-line limit (``file_mb``) before anything reads it; its size."""
    size = path.stat().st_size
    limit_bytes = limits().file_bytes if limit_bytes is None else limit_bytes
    if size > limit_bytes:
        raise over_limit(
            f"Tệp «{path.name}» quá lớn", f"File '{path.name}' is too large", found=mb(size), limit=mb(limit_bytes),
            key="file_mb", todo_vi="Hãy chỉ xuất lớp thửa đất của xã (hoặc một phần), hoặc nén thành tệp .zip.",
            todo_en="Export only the commune's parcel layer (or a part of it), or zip it.")
    return size


class Deadline:
    """The time budget of one read (``read_seconds``), checked between stages and while rows stream."""

    def __init__(self, name: str, seconds: float | None = None) -> None:
        self.name = name
        self.seconds = limits().read_seconds if seconds is None else seconds
        self.start = time.monotonic()

    def check(self) -> None:
        """Raise :class:`DataSourceError` once the budget is spent."""
        spent = time.monotonic() - self.start
        if spent > self.seconds:
            raise over_limit(
                f"Đọc tệp «{self.name}» quá lâu", f"Reading '{self.name}' takes too long", found=f"{spent:.0f} s",
                limit=f"{self.seconds:.0f} s", key="read_seconds",
                todo_vi="Hãy chia dữ liệu thành các tệp nhỏ hơn (ví dụ theo tờ bản đồ) rồi nhập từng tệp.",
                todo_en="Split the data into smaller files (by map sheet, say) and import them one by one.")


__all__ = ["MAX_FEATURES_OPTION", "SETTINGS_PATH", "VERTICES_PER_FEATURE", "Deadline", "Limits", "allow_features", "check_file_size",
           "feature_limits", "limits", "load_limits", "mb", "over_limit"]
