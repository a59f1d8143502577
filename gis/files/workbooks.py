"""Excel workbooks (``.xlsx``) of coordinate tables, opened safely: the package checked before it is
unpacked (entries, sizes, declared dimensions against the limits), then every sheet's rows read under a deadline.
"""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path
from typing import Any

from gis.core.errors import DataSourceError
from gis.core.limits import Deadline, limits, mb, over_limit
from gis.files.formats import _checked_row, _too_many, _unreadable


def _check_xlsx_package(path: Path) -> None:
    """An .xlsx is a zip: refuse one that unpacks to more than ``table_mb`` before openpyxl opens it."""
    import zipfile
    import zlib

    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise _unreadable(path, type(exc).__name__, "Hãy mở bằng Excel, lưu lại thành .xlsx rồi tải lên lại.",
                          "Open it in Excel, save it again as .xlsx and upload it again.") from exc
    lim = limits()
    if len(infos) > lim.entries:
        raise _too_many(path, "phần (tệp con)", "parts", found=str(len(infos)), limit=lim.entries, key="entries")
    unpacked = sum(i.file_size for i in infos)
    if unpacked > lim.table_bytes:
        raise over_limit(
            f"Bảng Excel «{path.name}» quá lớn khi giải nén", f"Excel table '{path.name}' is too large unpacked",
            found=mb(unpacked), limit=mb(lim.table_bytes), key="table_mb",
            todo_vi="Hãy chép riêng bảng tọa độ sang một tệp Excel mới (chỉ các ô có dữ liệu) rồi tải lên.",
            todo_en="Copy the coordinate table alone into a new Excel file (only the cells with data) and upload it.")
    try:
        with zipfile.ZipFile(path) as archive:
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    rows = _count_rows(archive, info)
                    if rows > lim.rows:
                        raise _too_many(path, "dòng", "rows", found=f"{rows} (trang {info.filename})",
                                        limit=lim.rows, key="rows")
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise _unreadable(path, type(exc).__name__, "Hãy mở bằng Excel, lưu lại thành .xlsx rồi tải lên lại.",
                          "Open it in Excel, save it again as .xlsx and upload it again.") from exc


def _count_rows(archive: Any, info: Any) -> int:
    """The ``<row>`` elements of a sheet's XML, counted on the packed stream (no XML parsed, nothing kept)."""
    count, tail = 0, b""
    with archive.open(info) as src:
        while chunk := src.read(1 << 20):
            data = tail + chunk
            count += data.count(b"<row ") + data.count(b"<row>")
            tail = data[-4:]
    return count


def _xlsx_sheets(path: Path, *, deadline: Deadline | None = None) -> dict[str, list[list[object]]]:
    """The rows of every sheet, streamed (openpyxl read-only) and stopped at the row, column and cell limits.

    The package's unpacked size and each sheet's declared dimension (``A1:XFD1048576``) are checked before
    any row is read.
    """

    with open(path, "rb") as fh:
        if fh.read(4) == b"\xd0\xcf\x11\xe0":
            raise DataSourceError(
                f"Tệp «{path.name}» không phải .xlsx thường: tệp có mật khẩu hoặc là Excel đời cũ (.xls). Hãy mở bằng "
                "Excel, bỏ mật khẩu (Tệp > Thông tin > Bảo vệ sổ làm việc), lưu thành .xlsx rồi tải lên lại.",
                f"'{path.name}' is not a plain .xlsx: it has a password or is an old Excel file (.xls). Open it in "
                "Excel, remove the password (File > Info > Protect Workbook), save it as .xlsx and upload it again.",
            )
    _check_xlsx_package(path)
    with open(path, "rb") as fh:  # closed here even when openpyxl gives up half-way
        return _xlsx_rows(path, fh, deadline)


def workbook_errors() -> tuple[type[BaseException], ...]:
    """What openpyxl raises for a file that is not a readable workbook: a damaged zip, broken XML (the
    standard parser's and lxml's errors are both ``SyntaxError``), missing parts (``KeyError``), values it
    cannot convert, a read cut short, and its own ``InvalidFileException``. Imported here, when a workbook is
    read, so that the command line starts without openpyxl."""
    from openpyxl.utils.exceptions import InvalidFileException

    return (InvalidFileException, zipfile.BadZipFile, SyntaxError, KeyError, IndexError, ValueError, TypeError,
            AttributeError, EOFError, OSError)


def _xlsx_rows(path: Path, fh: Any, deadline: Deadline | None) -> dict[str, list[list[object]]]:
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    lim = limits()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # openpyxl's notes on styles it does not know
            book = load_workbook(fh, read_only=True, data_only=True)
    except workbook_errors() as exc:
        raise _unreadable(path, type(exc).__name__, "Hãy mở bằng Excel, lưu lại thành .xlsx rồi tải lên lại.",
                          "Open it in Excel, save it again as .xlsx and upload it again.") from exc
    sheets: dict[str, list[list[object]]] = {}
    try:
        for ws in book.worksheets:
            max_row, max_col = getattr(ws, "max_row", None) or 0, getattr(ws, "max_column", None) or 0
            if max_row > lim.rows or max_col > lim.columns:
                dimension = f"A1:{get_column_letter(min(max(max_col, 1), 16384))}{max_row}"
                raise over_limit(
                    f"Trang «{ws.title}» của bảng Excel «{path.name}» khai báo vùng dữ liệu {dimension} "
                    f"({max_row} dòng, {max_col} cột)",
                    f"Sheet '{ws.title}' of Excel table '{path.name}' declares the range {dimension} ({max_row} rows, "
                    f"{max_col} columns)", found=f"{max_row} dòng × {max_col} cột",
                    found_en=f"{max_row} rows × {max_col} columns", limit=f"{lim.rows} dòng × {lim.columns} cột",
                    limit_en=f"{lim.rows} rows × {lim.columns} columns", key="rows, columns",
                    todo_vi="Hãy chép riêng các ô có dữ liệu sang một trang Excel mới, lưu lại rồi tải lên.",
                    todo_en="Copy only the cells with data into a new Excel sheet, save it and upload it.")
            rows: list[list[object]] = []
            for row in ws.iter_rows(values_only=True):
                if len(rows) >= lim.rows:
                    raise _too_many(path, "dòng", "rows", found=f"hơn {lim.rows} (trang «{ws.title}»)", limit=lim.rows,
                                    key="rows")
                rows.append(_checked_row(path, list(row), len(rows) + 1))
                if deadline is not None and len(rows) % 5000 == 0:
                    deadline.check()
            sheets[ws.title] = rows
    except DataSourceError:
        raise
    except workbook_errors() as exc:  # a sheet's XML broken half-way
        raise _unreadable(path, type(exc).__name__, "Hãy mở bằng Excel, lưu lại thành .xlsx rồi tải lên lại.",
                          "Open it in Excel, save it again as .xlsx and upload it again.") from exc
    finally:
        book.close()
    return sheets
