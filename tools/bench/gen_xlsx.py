#!/usr/bin/env python3
"""Deterministic China-customs-layout XLSX for `make bench`.

    gen_xlsx.py ROWS OUT [--reference DIR] [--seed 20240601]

One sheet ("Sheet1"), header row
数据年月,商品编码,商品名称,贸易伙伴编码,贸易伙伴名称,第一数量,第一计量单位,第二数量,第二计量单位,美元
then ROWS data rows: 数据年月 a number (YYYYMM, 2015-01..2024-12), 商品编码 the
national 8-digit lines of reference/rare_earth_codes.csv (text, shared string),
商品名称 their Chinese description, 贸易伙伴编码 empty (as in real exports),
贸易伙伴名称 the name_zh of reference/countries.csv, 第一数量 a number,
第一计量单位 千克, 第二数量/第二计量单位 empty, 美元 a number. Text cells are
shared strings (t="s"), numbers inline; (period, code, partner) is unique.
Written with zipfile and hand-written XML (standard library only).

--reference defaults to the repository's Pipelines/reference.
"""
import argparse
import csv
import os
import random
import sys
import time
import zipfile
from xml.sax.saxutils import escape

HEADERS = ["数据年月", "商品编码", "商品名称", "贸易伙伴编码", "贸易伙伴名称",
           "第一数量", "第一计量单位", "第二数量", "第二计量单位", "美元"]
COLS = "ABCDEFGHIJ"

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"""
STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""


def default_reference():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "Pipelines", "reference"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("rows", type=int)
    ap.add_argument("out")
    ap.add_argument("--reference", default=default_reference())
    ap.add_argument("--seed", type=int, default=20240601)
    a = ap.parse_args(argv)
    t0 = time.time()
    rng = random.Random(a.seed)
    with open(os.path.join(a.reference, "countries.csv"), encoding="utf-8") as f:
        partners = [r["name_zh"] for r in csv.DictReader(f) if r["name_zh"] and r["iso3"] != "CHN"]
    with open(os.path.join(a.reference, "rare_earth_codes.csv"), encoding="utf-8") as f:
        codes = [(r["code"], r["description_zh"]) for r in csv.DictReader(f)
                 if len(r["code"]) == 8 and r["description_zh"]]
    periods = [y * 100 + m for y in range(2015, 2025) for m in range(1, 13)]
    space = len(periods) * len(codes) * len(partners)
    if a.rows > space:
        sys.exit(f"at most {space} rows")

    # shared strings: headers, codes, names, partners, units
    sst, sst_index = [], {}

    def s(text):
        i = sst_index.get(text)
        if i is None:
            i = sst_index[text] = len(sst)
            sst.append(text)
        return i

    for h in HEADERS:
        s(h)
    kg = s("千克")
    code_ids = [(s(c), s(d)) for c, d in codes]
    partner_ids = [s(p) for p in partners]

    keys = sorted(rng.sample(range(space), a.rows))
    npc = len(codes) * len(partners)
    level = [rng.lognormvariate(7.0, 2.0) for _ in range(npc)]
    uv = [rng.lognormvariate(3.5, 1.0) for _ in range(len(codes))]

    zf = zipfile.ZipFile(a.out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)

    def entry(name):  # fixed timestamps: the same arguments give the same bytes
        zi = zipfile.ZipInfo(name, date_time=(2024, 6, 1, 0, 0, 0))
        zi.compress_type = zipfile.ZIP_DEFLATED
        return zi

    zf.writestr(entry("[Content_Types].xml"), CONTENT_TYPES)
    zf.writestr(entry("_rels/.rels"), RELS)
    zf.writestr(entry("xl/workbook.xml"), WORKBOOK)
    zf.writestr(entry("xl/_rels/workbook.xml.rels"), WORKBOOK_RELS)
    zf.writestr(entry("xl/styles.xml"), STYLES)
    with zf.open(entry("xl/worksheets/sheet1.xml"), "w") as w:
        w.write(('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                 f'<dimension ref="A1:J{a.rows + 1}"/><sheetData>').encode())
        w.write(('<row r="1">' + "".join(f'<c r="{c}1" t="s"><v>{i}</v></c>' for i, c in enumerate(COLS))
                 + "</row>").encode())
        buf = []
        for n, key in enumerate(keys, start=2):
            pi, rest = divmod(key, npc)
            ci, qi = divmod(rest, len(partners))
            q = max(1, int(level[rest] * rng.lognormvariate(0.0, 0.3)))
            usd = max(1, int(q * uv[ci] * rng.lognormvariate(0.0, 0.2)))
            cid, did = code_ids[ci]
            buf.append(f'<row r="{n}"><c r="A{n}"><v>{periods[pi]}</v></c><c r="B{n}" t="s"><v>{cid}</v></c>'
                       f'<c r="C{n}" t="s"><v>{did}</v></c><c r="E{n}" t="s"><v>{partner_ids[qi]}</v></c>'
                       f'<c r="F{n}"><v>{q}</v></c><c r="G{n}" t="s"><v>{kg}</v></c>'
                       f'<c r="J{n}"><v>{usd}</v></c></row>')
            if len(buf) >= 5000:
                w.write("".join(buf).encode())
                buf.clear()
        w.write("".join(buf).encode())
        w.write(b"</sheetData></worksheet>")
    parts = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{len(sst)}" '
             f'uniqueCount="{len(sst)}">']
    parts += [f"<si><t>{escape(t)}</t></si>" for t in sst]
    parts.append("</sst>")
    zf.writestr(entry("xl/sharedStrings.xml"), "".join(parts))
    zf.close()
    print(f"gen_xlsx: {a.rows} rows, {len(codes)} codes x {len(partners)} partners -> {a.out} "
          f"({os.path.getsize(a.out)} bytes, {time.time() - t0:.1f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
