#!/usr/bin/env python3
"""Writes sample.xlsx by hand (zipfile + XML, no openpyxl) for the XLSX reader tests.

Covers: two sheets whose workbook order differs from their part names (resolved through
xl/_rels/workbook.xml.rels), a Chinese sheet name, shared strings incl. a rich-text item
and a phonetic run (rPh, must be left out), inline strings, t="str" formula results,
t="b" booleans, numbers kept as written, a missing cell (gap), a cell without r=, a
column beyond Z (AA), a skipped row number, Excel date serials styled as dates (built-in
numFmtId 14 and a custom yyyy"年"m"月" format, through xl/styles.xml), a title row above the
header (header_row: 2). Deterministic: fixed timestamps, so reruns give the same bytes.
"""
import zipfile, sys, os

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "sample.xlsx")

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'

content_types = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""

root_rels = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""

# Workbook order: Notes first (part sheet2.xml), 出口 second (part sheet1.xml).
workbook = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook {NS} {RNS}>
<workbookPr/>
<sheets>
<sheet name="Notes" sheetId="2" r:id="rId2"/>
<sheet name="出口" sheetId="1" r:id="rId1"/>
</sheets>
</workbook>"""

workbook_rels = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""

shared = [
    "<si><t>数据年月</t></si>",                                   # 0
    "<si><t>商品编码</t></si>",                                   # 1
    "<si><t>贸易伙伴名称</t></si>",                               # 2
    "<si><t>第一数量</t></si>",                                   # 3
    "<si><t>第一计量单位</t></si>",                               # 4
    "<si><t>美元</t></si>",                                       # 5
    "<si><t>日期</t></si>",                                       # 6
    "<si><r><rPr><b/></rPr><t>新加</t></r><r><t>坡</t></r><rPh sb=\"0\" eb=\"1\"><t>xinjiapo</t></rPh></si>",  # 7 rich + phonetic
    "<si><t>千克</t></si>",                                       # 8
    "<si><t xml:space=\"preserve\"> 土耳其 &amp; co </t></si>",   # 9 entity + preserved spaces
    "<si><t>28469014</t></si>",                                   # 10 code as text
]
shared_xml = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst {NS} count="{len(shared)}" uniqueCount="{len(shared)}">{''.join(shared)}</sst>"""

# Cell formats: 0 General, 1 built-in date (numFmtId 14), 2 a custom month format (numFmtId 164).
styles = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet {NS}><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;"/></numFmts>
<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>
<cellXfs count="3"><xf numFmtId="0" xfId="0"/><xf numFmtId="14" xfId="0" applyNumberFormat="1"/><xf numFmtId="164" xfId="0" applyNumberFormat="1"/></cellXfs>
</styleSheet>"""

def s(ref, i): return f'<c r="{ref}" t="s"><v>{i}</v></c>'
def n(ref, v, style=None): return f'<c r="{ref}"{f" s={chr(34)}{style}{chr(34)}" if style else ""}><v>{v}</v></c>'
def inline(ref, text): return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'

sheet1_rows = [
    '<row r="1">' + inline("A1", "海关统计数据 2024年1月") + '</row>',
    '<row r="2">' + "".join(s(f"{c}2", i) for c, i in zip("ABCDEFG", range(7))) + '</row>',
    '<row r="3">' + n("A3", 202401) + s("B3", 10) + s("C3", 7) + n("D3", 5000) + s("E3", 8) + n("F3", 143000) + n("G3", 45292, 1) + '</row>',
    # D4 missing (gap); F4 a formula with cached string result; G4 boolean
    '<row r="4">' + n("A4", 202401) + n("B4", 85051110) + s("C4", 9) + s("E4", 8) + '<c r="F4" t="str"><f>TEXT(1,"0")</f><v>31012345</v></c>' + '<c r="G4" t="b"><v>1</v></c></row>',
    # cells without r: positions follow one another
    '<row r="5"><c><v>202402</v></c><c t="inlineStr"><is><r><t>2846</t></r><r><t>9015</t></r></is></c><c t="inlineStr"><is><t>日本</t></is></c><c><v>12.5</v></c></row>',
    # row 6 absent; row 7 has a cell in column AA
    '<row r="7">' + n("A7", 202402) + n("B7", 28053011) + inline("C7", "美国") + n("G7", "45323.75", 2) + inline("AA7", "far") + '</row>',
]
sheet1 = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet {NS} {RNS}><dimension ref="A1:AA7"/><sheetData>{''.join(sheet1_rows)}</sheetData></worksheet>"""

sheet2 = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet {NS}><sheetData><row r="1">{inline("A1", "note")}<c r="B1" t="b"><v>0</v></c></row>
<row r="2">{inline("A2", "generated")}<c r="B2" t="e"><v>#N/A</v></c></row></sheetData></worksheet>"""

parts = [
    ("[Content_Types].xml", content_types),
    ("_rels/.rels", root_rels),
    ("xl/workbook.xml", workbook),
    ("xl/_rels/workbook.xml.rels", workbook_rels),
    ("xl/sharedStrings.xml", shared_xml),
    ("xl/styles.xml", styles),
    ("xl/worksheets/sheet1.xml", sheet1),
    ("xl/worksheets/sheet2.xml", sheet2),
]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for name, text in parts:
        info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, text.encode("utf-8"))
print(out)
