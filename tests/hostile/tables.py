"""Surveyors' coordinate tables (CSV, Excel) that are fine, broken, hostile or over the limits.

A table has no coordinate system, so every case that should get as far as the import names the province
(and, for the Excel table whose land-use column is not named a known way, the column to use).
"""

from __future__ import annotations

import random
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import vn_files as vf
from openpyxl import Workbook

from gis.core.limits import limits

from . import Case

LIM = limits()
PROVINCE = ("--province", "Bắc Giang")
XLSX_ARGS = (*PROVINCE, "--map", "Loại đất=land_use")
NOT_TEXT = "không phải bảng văn bản"
HEADER = "Tờ,Thửa,Điểm,X (m),Y (m),Loại đất\n"


def _bytes(name: str, data: Callable[[], bytes]) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        path = d / name
        path.write_bytes(data())
        return path
    return make


def _rows_text(sep: str = ",") -> str:
    lines = []
    for row in vf.table_rows():
        lines.append(sep.join("" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v)) for v in row))
    return "\n".join(lines) + "\n"


def _csv(name: str, text: Callable[[], str], encoding: str = "utf-8") -> Callable[[Path], Path]:
    return _bytes(name, lambda: text().encode(encoding))


def _rows_over_limit() -> bytes:
    """A header and ``rows`` short rows: one row over the limit, generated in one join."""
    return HEADER.encode() + b"12,1,1,2361018,406000,LUC\n" * LIM.rows


def _columns_over_limit() -> bytes:
    n = LIM.columns + 1
    return (",".join(f"c{i}" for i in range(n)) + "\n" + ",".join("1" for _ in range(n)) + "\n").encode()


def _long_field(chars: int) -> Callable[[], bytes]:
    return lambda: (HEADER + "12,1,1,2361018,406000," + "A" * chars + "\n").encode()


def _random_bytes() -> bytes:
    return random.Random(12).randbytes(64 * 1024)


def _with_nul() -> bytes:
    return _rows_text().encode().replace(b"LUC", b"L\x00C")


def _utf16(bom: bool) -> Callable[[], bytes]:
    def data() -> bytes:
        text = _rows_text("\t")
        return text.encode("utf-16") if bom else text.encode("utf-16-le")
    return data


def _unclosed_quote() -> bytes:
    return (_rows_text().replace("LUC", '"LUC', 1)).encode()


def _xlsx_parts(d: Path) -> dict[str, bytes]:
    path = vf.xlsx_table(d / "base")
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _xlsx(name: str, change: Callable[[dict[str, bytes]], dict[str, bytes]]) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        (d / "base").mkdir(exist_ok=True)
        parts = change(_xlsx_parts(d))
        path = d / name
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for part, data in parts.items():
                archive.writestr(part, data)
        return path
    return make


SHEET = "xl/worksheets/sheet1.xml"


def _dimension(ref: str | None) -> Callable[[dict[str, bytes]], dict[str, bytes]]:
    def change(parts: dict[str, bytes]) -> dict[str, bytes]:
        xml = parts[SHEET].decode()
        xml = re.sub(r'<dimension ref="[^"]*"\s*/>', "" if ref is None else f'<dimension ref="{ref}"/>', xml)
        return {**parts, SHEET: xml.encode()}
    return change


def _sheet_rows(rows: int, *, dimension: str | None, cell: str = "1") -> Callable[[dict[str, bytes]], dict[str, bytes]]:
    def change(parts: dict[str, bytes]) -> dict[str, bytes]:
        head = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                'spreadsheetml/2006/main">' + (f'<dimension ref="{dimension}"/>' if dimension else "")
                + "<sheetData>")
        body = "".join(f'<row r="{i}"><c r="A{i}"><v>{cell}</v></c></row>' for i in range(1, rows + 1))
        return {**parts, SHEET: (head + body + "</sheetData></worksheet>").encode()}
    return change


def _xlsx_bomb(d: Path) -> Path:
    """An .xlsx whose sheet unpacks to more than ``table_mb`` but says A1:C3: written as a stream."""
    (d / "base").mkdir(exist_ok=True)
    parts = _xlsx_parts(d)
    path = d / "bom.xlsx"
    row = b'<row r="1"><c r="A1"><v>1</v></c></row>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, data in parts.items():
            if part != SHEET:
                archive.writestr(part, data)
        with archive.open(SHEET, "w", force_zip64=True) as out:
            out.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                      b'main"><dimension ref="A1:C3"/><sheetData>')
            block = row * 100_000
            for _ in range(LIM.table_bytes // len(block) + 2):
                out.write(block)
            out.write(b"</sheetData></worksheet>")
    return path


def _xlsx_with(rows: list[list[object]], name: str, title: str = "Toa do") -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        book = Workbook()
        sheet = book.active
        sheet.title = title
        for r in rows:
            sheet.append(r)
        path = d / name
        book.save(path)
        return path
    return make


def _two_sheets(d: Path) -> Path:
    book = Workbook()
    book.active.title = "Ghi chu"
    book.active.append(["Bảng tọa độ ở trang sau"])
    sheet = book.create_sheet("Toa do")
    for r in vf.table_rows():
        sheet.append(r)
    path = d / "hai_trang.xlsx"
    book.save(path)
    return path


def _sheet_xml(cells: str, *, doctype: str = "", dimension: str | None = None) -> Callable[[dict[str, bytes]], dict[str, bytes]]:
    """Replace the table's sheet with hand-written XML: a header row Thửa, X, Y and the row ``cells``."""
    def change(parts: dict[str, bytes]) -> dict[str, bytes]:
        xml = (f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<worksheet xmlns="http://schemas.openxmlformats.org/'
               'spreadsheetml/2006/main">' + (f'<dimension ref="{dimension}"/>' if dimension else "") + "<sheetData>"
               '<row r="1"><c r="A1" t="inlineStr"><is><t>Thửa</t></is></c><c r="B1" t="inlineStr"><is><t>X</t></is>'
               '</c><c r="C1" t="inlineStr"><is><t>Y</t></is></c></row>'
               f'<row r="2"><c r="A2"><v>1</v></c><c r="B2"><v>2361018</v></c>{cells}</row></sheetData></worksheet>')
        return {**parts, SHEET: xml.encode()}
    return change


def _far_row(parts: dict[str, bytes]) -> dict[str, bytes]:
    """Two rows, the second numbered 1 048 576: the reader fills the gap with empty rows, as a stream."""
    xml = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
           '2006/main"><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="A1048576"><v>2</v>'
           "</c></row></sheetData></worksheet>")
    return {**parts, SHEET: xml.encode()}


def _inline(text: str, ref: str = "C2") -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


_XXE = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
_LAUGHS = ("<!DOCTYPE x [<!ENTITY a0 \"ha\">" + "".join(
    f'<!ENTITY a{i} "{("&a" + str(i - 1) + ";") * 10}">' for i in range(1, 10)) + "]>")


def _truncate(make: Callable[[Path], Path], keep: float) -> Callable[[Path], Path]:
    def cut(d: Path) -> Path:
        path = make(d)
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * keep)])
        return path
    return cut


def _table_over_size(d: Path) -> Path:
    path = d / "bang_lon.csv"
    line = b"12,1,1,2361018.25,406000.75,LUC\n"
    with open(path, "wb") as out:
        out.write(HEADER.encode())
        block = line * 100_000
        for _ in range(LIM.table_bytes // len(block) + 1):
            out.write(block)
    return path


def _two_vertex_parcel() -> str:
    rows = [r for r in vf.table_rows() if not (r[1] == 6 and r[2] in (3, 4))]
    return "\n".join(",".join("" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v)) for v in r)
                     for r in rows) + "\n"


CASES: list[Case] = [
    # tables that already pass, kept passing
    Case("csv: surveyor's table, UTF-8", lambda d: vf.csv_table(d), "ok", args=XLSX_ARGS),
    Case("csv: Windows-1258", lambda d: vf.csv_table(d, encoding="cp1258"), "ok", args=XLSX_ARGS),
    Case("csv: TCVN3", lambda d: vf.csv_table(d, encoding="tcvn3"), "ok", args=XLSX_ARGS),
    Case("csv: decimal commas, semicolons", lambda d: vf.csv_table(d, decimal_comma=True), "ok", args=XLSX_ARGS),
    Case("csv: UTF-8 with BOM", _bytes("bom_utf8.csv", lambda: b"\xef\xbb\xbf" + _rows_text().encode()), "ok",
         args=XLSX_ARGS),
    Case("csv: UTF-16 with BOM (Excel 'Unicode Text')", _bytes("unicode.txt", _utf16(True)), "ok", args=XLSX_ARGS),
    Case("csv: UTF-16 without BOM", _bytes("unicode_le.csv", _utf16(False)), "ok", args=XLSX_ARGS),
    Case("csv: tab-separated .txt", _csv("bang_tab.txt", lambda: _rows_text("\t")), "ok", args=XLSX_ARGS),
    Case("csv: pipe-separated", _csv("bang_pipe.csv", lambda: _rows_text("|")), "ok", args=XLSX_ARGS),
    Case("csv: old Mac line ends (CR)", _csv("bang_cr.csv", lambda: _rows_text().replace("\n", "\r")), "ok",
         args=XLSX_ARGS),
    Case("csv: formula-like text in a cell", _csv("cong_thuc.csv", lambda: _rows_text().replace(
        "LUC", '"=HYPERLINK(""http://x"",""LUC"")"', 1)), "ok", args=XLSX_ARGS),
    Case("xlsx: surveyor's table", lambda d: vf.xlsx_table(d), "ok", args=XLSX_ARGS),
    Case("xlsx: typed in a TCVN3 font", lambda d: vf.xlsx_table(d, tcvn3_font=True), "ok", args=XLSX_ARGS),
    Case("xlsx: table on the second sheet", _two_sheets, "ok", args=XLSX_ARGS),
    Case("xlsx: no dimension element", _xlsx("khong_kich_thuoc.xlsx", _dimension(None)), "ok", args=XLSX_ARGS),
    Case("xlsx: external entity (XXE)", _xlsx("xxe.xlsx", _sheet_xml(_inline("&xxe;"), doctype=_XXE)), "refused",
         "Không đọc được tệp"),
    Case("csv: a parcel of two vertices", _csv("hai_dinh.csv", _two_vertex_parcel), "problems", problem="not_polygon",
         args=XLSX_ARGS),
    # not text
    Case("csv: random bytes", _bytes("ngau_nhien.csv", _random_bytes), "refused", NOT_TEXT),
    Case("csv: NUL bytes in the text", _bytes("nul.csv", _with_nul), "refused", NOT_TEXT),
    Case("csv: a PNG image renamed", _bytes("anh.csv", lambda: b"\x89PNG\r\n\x1a\n" + bytes(2000)), "refused",
         NOT_TEXT),
    Case("csv: an .xlsx renamed", lambda d: _renamed(vf.xlsx_table(d), "excel_doi_ten.csv"), "refused", NOT_TEXT),
    Case("csv: gzip renamed", _bytes("nen.csv", lambda: b"\x1f\x8b\x08\x00" + bytes(500)), "refused", NOT_TEXT),
    Case("csv: control characters, no NUL", _bytes("dieu_khien.csv", lambda: bytes([7, 8, 27, 3]) * 400),
         "refused", NOT_TEXT),
    # over the limits
    Case("csv: a 1 MB single field", _bytes("o_1mb.csv", _long_field(1 << 20)), "refused", "cell_chars"),
    Case("csv: a 40 000-character field", _bytes("o_40k.csv", _long_field(40_000)), "refused", "cell_chars"),
    Case("csv: an unclosed quote swallowing the file", _bytes("ngoac.csv", lambda: HEADER.encode() + b'12,1,1,"' +
                                                             b"x" * 200_000), "refused", "cell_chars"),
    Case("csv: one column over the limit", _bytes("nhieu_cot.csv", _columns_over_limit), "refused", "columns"),
    Case("csv: one row over the limit", _bytes("nhieu_dong.csv", _rows_over_limit), "refused", "rows"),
    Case("csv: file over the table limit", _table_over_size, "refused", "table_mb"),
    Case("xlsx: dimension A1:XFD1048576", _xlsx("kich_thuoc_lon.xlsx", _dimension("A1:XFD1048576")), "refused",
         "A1:XFD1048576"),
    Case("xlsx: dimension with one row over", _xlsx("dong_lon.xlsx", _sheet_rows(3, dimension=f"A1:C{LIM.rows + 1}")),
         "refused", "rows, columns"),
    Case("xlsx: no dimension, rows over the limit", _xlsx("dong_that.xlsx", _sheet_rows(LIM.rows + 1, dimension=None)),
         "refused", "rows"),
    Case("xlsx: last row numbered 1048576, no dimension", _xlsx("dong_xa.xlsx", _far_row), "refused", "rows"),
    Case("xlsx: bomb (sheet unpacks past the limit)", _xlsx_bomb, "refused", "table_mb"),
    Case("xlsx: a 40 000-character cell", _xlsx("o_dai.xlsx", _sheet_xml(_inline("A" * 40_000))), "refused",
         "cell_chars"),
    Case("xlsx: billion laughs", _xlsx("cuoi.xlsx", _sheet_xml(_inline("&a9;"), doctype=_LAUGHS)), "refused",
         "Không đọc được tệp"),
    # broken
    Case("csv: zero bytes", _bytes("rong.csv", lambda: b""), "refused", "rỗng (0 byte)"),
    Case("csv: header only", _csv("chi_tieu_de.csv", lambda: HEADER), "refused", "không có tọa độ"),
    Case("csv: no coordinate columns", _csv("khong_cot.csv", lambda: "a,b,c\n1,2,3\n"), "refused", "không có đủ cột"),
    Case("csv: only blank lines", _csv("trang.csv", lambda: "\n\n\n  \n"), "refused", "không có đủ cột"),
    Case("xlsx: not a zip", _bytes("gia.xlsx", lambda: b"hello, I am no workbook"), "refused", "Không đọc được tệp"),
    Case("xlsx: truncated", _truncate(lambda d: vf.xlsx_table(d), 0.5), "refused", "Không đọc được tệp"),
    Case("xlsx: password-protected (OLE container)", _bytes("mat_khau.xlsx", lambda: b"\xd0\xcf\x11\xe0" + bytes(600)),
         "refused", "mật khẩu"),
]


def _renamed(path: Path, name: str) -> Path:
    return path.rename(path.with_name(name))
