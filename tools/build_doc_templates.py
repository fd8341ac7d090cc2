"""Builds templates/quote.docx and templates/contract.docx (the shipped document templates).

The .docx files are committed; this script is how they were made, so a change to their
layout is a reviewable diff here rather than an opaque binary. Run it from the repository
root: ``.venv/bin/python tools/build_doc_templates.py``. Analysts may instead edit the .docx
in Word or LibreOffice and upload it (``POST /api/templates``); the placeholders they may use
are listed in README.md ("Documents").
"""

from __future__ import annotations

import struct
import zlib
from io import BytesIO
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

OUT = Path(__file__).resolve().parents[1] / "templates"
FONT = "Noto Sans CJK SC"  # fonts-noto-cjk: Chinese and Latin in one face
BRAND = RGBColor(0x1F, 0x4E, 0x79)
GREY = RGBColor(0x59, 0x59, 0x59)
SHADE = "DCE6F1"


# -- a logo, drawn here so that the repository needs no image tool ----------------------------

def logo_png(size: int = 96) -> bytes:
    """A rounded blue square with a white upward arrow: the demo company's mark."""
    rows = []
    r = size // 6
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            cx = min(max(x, r), size - 1 - r)
            cy = min(max(y, r), size - 1 - r)
            inside = (x - cx) ** 2 + (y - cy) ** 2 <= r * r
            arrow = _arrow(x / size, y / size)
            if not inside:
                row += bytes((255, 255, 255, 0))
            elif arrow:
                row += bytes((255, 255, 255, 255))
            else:
                row += bytes((0x1F, 0x4E, 0x79, 255))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))


def _arrow(u: float, v: float) -> bool:
    head = 0.22 <= v <= 0.50 and abs(u - 0.5) <= (v - 0.22) * 1.0
    shaft = 0.45 <= v <= 0.80 and abs(u - 0.5) <= 0.09
    return head or shaft


# -- document plumbing ---------------------------------------------------------------------

def base_document() -> Document:
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
    section.left_margin = section.right_margin = Cm(2.0)
    section.top_margin, section.bottom_margin = Cm(2.6), Cm(2.2)
    section.header_distance, section.footer_distance = Cm(1.0), Cm(1.0)
    for name in ("Normal", "Table Grid"):
        style = document.styles[name]
        style.font.name = FONT
        style.font.size = Pt(9.5)
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attribute), FONT)
    document.styles["Normal"].paragraph_format.space_after = Pt(2)
    return document


def run(paragraph, text: str, *, bold: bool = False, size: float | None = None,
        color: RGBColor | None = None):
    piece = paragraph.add_run(text)
    piece.bold = bold
    if size:
        piece.font.size = Pt(size)
    if color is not None:
        piece.font.color.rgb = color
    return piece


def field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word and LibreOffice compute when they lay out."""
    element = OxmlElement("w:fldSimple")
    element.set(qn("w:instr"), instruction)
    inner = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    inner.append(text)
    element.append(inner)
    paragraph._p.append(element)


def shade(cell, fill: str = SHADE) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        line.set(qn("w:val"), "nil")
        borders.append(line)
    table._tbl.tblPr.append(borders)


def widths(table, sizes_cm: tuple[float, ...]) -> None:
    """Fixed column widths (the grid LibreOffice reads, and every cell, as Word does)."""
    table.autofit = False
    for index, size in enumerate(sizes_cm):
        table.columns[index].width = Cm(size)
        for cell in table.columns[index].cells:
            cell.width = Cm(size)


def cell_text(cell, text: str, *, bold: bool = False, align=None, size: float | None = None,
              color: RGBColor | None = None) -> None:
    paragraph = cell.paragraphs[0]
    if align is not None:
        paragraph.alignment = align
    run(paragraph, text, bold=bold, size=size, color=color)


def header_and_footer(document, title_en: str) -> None:
    section = document.sections[0]
    table = section.header.add_table(rows=1, cols=2, width=Cm(17))
    no_borders(table)
    widths(table, (2.0, 15.0))
    table.rows[0].cells[0].paragraphs[0].add_run().add_picture(BytesIO(logo_png()),
                                                                width=Cm(1.5))
    right = table.rows[0].cells[1]
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run(right.paragraphs[0], "{{ company.name }}", bold=True, size=12, color=BRAND)
    line = right.add_paragraph()
    line.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run(line, "{{ company.name_en }}", size=8, color=GREY)
    line = right.add_paragraph()
    line.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run(line, "{{ company.address }} · {{ company.phone }} · {{ company.email }}", size=7.5,
        color=GREY)
    section.header.paragraphs[0].text = ""
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run(footer, f"{{{{ company.name }}}} · {title_en} · 第 ", size=7.5, color=GREY)
    field(footer, "PAGE")
    run(footer, " 页，共 ", size=7.5, color=GREY)
    field(footer, "NUMPAGES")
    run(footer, " 页 / Page ", size=7.5, color=GREY)
    field(footer, "PAGE")
    run(footer, " of ", size=7.5, color=GREY)
    field(footer, "NUMPAGES")


def title(document, zh: str, en: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_before = Pt(6)
    run(paragraph, zh, bold=True, size=20, color=BRAND)
    run(paragraph, "  " + en, bold=True, size=14, color=BRAND)


def heading(document, zh: str, en: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(8)
    paragraph.paragraph_format.space_after = Pt(3)
    run(paragraph, f"{zh}  {en}", bold=True, size=10.5, color=BRAND)


def facts(document, pairs: list[tuple[str, str, str, str, str, str]]) -> None:
    """A two-column block of labelled values: (zh, en, value, zh, en, value) per row."""
    table = document.add_table(rows=0, cols=4)
    table.style = "Table Grid"
    for zh1, en1, value1, zh2, en2, value2 in pairs:
        cells = table.add_row().cells
        cell_text(cells[0], f"{zh1}\n{en1}" if en1 else zh1, bold=True, size=8)
        shade(cells[0])
        cell_text(cells[1], value1)
        cell_text(cells[2], f"{zh2}\n{en2}" if en2 else zh2, bold=True, size=8)
        shade(cells[2])
        cell_text(cells[3], value2)
    widths(table, (2.6, 5.9, 2.6, 5.9))


LINE_COLUMNS = (  # zh, en, placeholder, width, right-aligned
    ("序号", "No.", "{{ line.position }}", 1.0, False),
    ("产品", "Product", "{{ line.name }}\n{{ line.code }}", 3.8, False),
    ("数量", "Qty", "{{ line.quantity }} {{ line.unit }}", 1.7, True),
    ("单价", "Unit price", "{{ line.unit_price }}", 2.0, True),
    ("折扣", "Disc.", "{{ line.discount_pct }}", 1.1, True),
    ("金额", "Net", "{{ line.net }}", 2.1, True),
    ("税率", "VAT", "{{ line.tax_rate }}", 1.0, True),
    ("税额", "VAT amt", "{{ line.tax }}", 1.9, True),
    ("合计", "Total", "{{ line.total }}", 2.2, True),
)


def line_items(document) -> None:
    """The line-item table: a header row, then one row per line. The rows holding
    ``{%tr for %}`` and ``{%tr endfor %}`` are replaced by the loop when docxtpl renders."""
    table = document.add_table(rows=4, cols=len(LINE_COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header, start, loop, end = table.rows
    for index, (zh, en, placeholder, _width, right) in enumerate(LINE_COLUMNS):
        align = WD_ALIGN_PARAGRAPH.RIGHT if right else None
        cell_text(header.cells[index], f"{zh}\n{en}", bold=True, size=8, align=align,
                  color=RGBColor(0xFF, 0xFF, 0xFF))
        shade(header.cells[index], "1F4E79")
        first, _, second = placeholder.partition("\n")
        cell_text(loop.cells[index], first, align=align, size=8.5)
        if second:
            run(loop.cells[index].add_paragraph(), second, size=7, color=GREY)
    run(start.cells[0].paragraphs[0], "{%tr for line in lines %}")
    run(end.cells[0].paragraphs[0], "{%tr endfor %}")
    widths(table, tuple(column[3] for column in LINE_COLUMNS))


def totals(document, rows: list[tuple[str, str, str, bool]]) -> None:
    table = document.add_table(rows=0, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.RIGHT
    table.style = "Table Grid"
    for zh, en, value, strong in rows:
        cells = table.add_row().cells
        cell_text(cells[0], f"{zh} {en}", bold=strong, size=8.5)
        shade(cells[0])
        cell_text(cells[1], value, bold=strong, align=WD_ALIGN_PARAGRAPH.RIGHT,
                  size=10 if strong else 8.5)
    widths(table, (5.0, 4.0))


def signatures(document, left: tuple[str, str, str], right: tuple[str, str, str]) -> None:
    table = document.add_table(rows=1, cols=2)
    no_borders(table)
    for cell, (zh, en, name) in zip(table.rows[0].cells, (left, right), strict=True):
        cell_text(cell, f"{zh}  {en}", bold=True, color=BRAND)
        run(cell.add_paragraph(), name)
        for label in ("签字 Signature: ____________________", "盖章 Seal:",
                      "日期 Date: ____________________"):
            run(cell.add_paragraph(), label, size=8.5)
    widths(table, (8.5, 8.5))


def paragraph(document, text: str, *, size: float = 9.5, color=None) -> None:
    run(document.add_paragraph(), text, size=size, color=color)


# -- the two templates ---------------------------------------------------------------------

def build_quote() -> Document:
    document = base_document()
    header_and_footer(document, "Quotation")
    title(document, "报价单", "QUOTATION")
    facts(document, [
        ("报价编号", "Quote no.", "{{ quote.number }}", "报价日期", "Date", "{{ quote.date }}"),
        ("客户", "Customer", "{{ customer.name }}", "有效期至", "Valid until",
         "{{ quote.valid_until }}"),
        ("联系人", "Contact", "{{ customer.contact_name }}", "联系电话", "Phone",
         "{{ customer.contact_phone }}"),
        ("电子邮件", "Email", "{{ customer.contact_email }}", "销售代表", "Sales rep",
         "{{ owner.name }} {{ owner.email }}"),
    ])
    heading(document, "报价明细", "Items")
    line_items(document)
    document.add_paragraph()
    totals(document, [
        ("小计", "Subtotal", "{{ quote.subtotal }}", False),
        ("折扣", "Discount", "{{ quote.discount_total }}", False),
        ("不含税金额", "Net", "{{ quote.net_total }}", False),
        ("税额", "VAT", "{{ quote.tax_total }}", False),
        ("总计", "Grand total", "{{ quote.grand_total }}", True),
    ])
    paragraph(document, "{%p if quote.special_discount %}")
    paragraph(document, "本报价含经审批的特殊折扣。This quote includes an approved special "
                        "discount.", size=8.5, color=GREY)
    paragraph(document, "{%p endif %}")
    heading(document, "付款条件", "Payment terms")
    paragraph(document, "{{ quote.payment_terms }}")
    paragraph(document, "{%p if quote.notes %}")
    heading(document, "备注", "Notes")
    paragraph(document, "{{ quote.notes }}")
    paragraph(document, "{%p endif %}")
    paragraph(document, "所有金额单位为 {{ quote.currency }}，含增值税。All amounts in "
                        "{{ quote.currency }}, VAT included where shown.", size=8, color=GREY)
    signatures(document, ("报价方", "Supplier", "{{ company.name }}"),
               ("客户确认", "Customer acceptance", "{{ customer.name }}"))
    return document


def build_contract() -> Document:
    document = base_document()
    header_and_footer(document, "Sales contract")
    title(document, "销售合同", "SALES CONTRACT")
    facts(document, [
        ("合同编号", "Contract no.", "{{ contract.number }}", "签订日期", "Date",
         "{{ contract.date }}"),
        ("卖方（甲方）", "Seller", "{{ company.name }}", "买方（乙方）", "Buyer",
         "{{ customer.name }}"),
        ("合同期限", "Term", "{{ contract.start_date }} – {{ contract.end_date }}",
         "合同金额", "Amount", "{{ contract.amount }}"),
        ("买方联系人", "Buyer contact", "{{ customer.contact_name }} "
         "{{ customer.contact_phone }}", "卖方代表", "Seller rep", "{{ owner.name }}"),
    ])
    heading(document, "一、标的", "1. Products and services")
    paragraph(document, "{%p if lines %}")
    line_items(document)
    document.add_paragraph()
    totals(document, [
        ("不含税金额", "Net", "{{ quote.net_total }}", False),
        ("税额", "VAT", "{{ quote.tax_total }}", False),
        ("合同总价", "Contract price", "{{ contract.amount }}", True),
    ])
    paragraph(document, "{%p else %}")
    paragraph(document, "合同总价 Contract price: {{ contract.amount }}")
    paragraph(document, "{%p endif %}")
    heading(document, "二、付款", "2. Payment")
    paragraph(document, "{{ contract.payment_terms }}")
    heading(document, "三、条款", "3. Terms")
    paragraph(document, "{{ contract.terms }}")
    heading(document, "四、其他", "4. General")
    paragraph(document, "本合同一式两份，双方各执一份，自双方签字盖章之日起生效。This contract is "
                        "made in two counterparts, one for each party, and takes effect when "
                        "both parties have signed and sealed it.", size=8.5)
    heading(document, "五、内部审批", "5. Internal approval")
    table = document.add_table(rows=4, cols=4)
    table.style = "Table Grid"
    header, start, loop, end = table.rows
    for index, (zh, en) in enumerate((("角色", "Role"), ("审批人", "Approver"),
                                      ("结果", "Decision"), ("日期", "Date"))):
        cell_text(header.cells[index], f"{zh} {en}", bold=True, size=8)
        shade(header.cells[index])
    for cell, placeholder in zip(loop.cells, ("{{ a.role }}", "{{ a.name }}",
                                              "{{ a.decision }}", "{{ a.decided_at }}"),
                                 strict=True):
        cell_text(cell, placeholder, size=8.5)
    run(start.cells[0].paragraphs[0], "{%tr for a in approvals %}")
    run(end.cells[0].paragraphs[0], "{%tr endfor %}")
    widths(table, (4.5, 4.5, 4.0, 4.0))
    document.add_paragraph()
    signatures(document, ("卖方（甲方）", "Seller", "{{ company.name }}"),
               ("买方（乙方）", "Buyer", "{{ customer.name }}"))
    return document


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, build in (("quote", build_quote), ("contract", build_contract)):
        document = build()
        document.core_properties.title = name
        document.core_properties.author = "Sales workflow service"
        path = OUT / f"{name}.docx"
        document.save(path)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
