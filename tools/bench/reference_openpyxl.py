#!/usr/bin/env python3
"""Reference for the XLSX read: openpyxl in read-only mode, every cell of every
row of the first sheet (values only).   reference_openpyxl.py XLSX"""
import sys
import warnings

import openpyxl  # run.sh installs it (pip install openpyxl) when missing

warnings.simplefilter("ignore")
wb = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)
ws = wb.worksheets[0]
rows = cells = 0
for row in ws.iter_rows(values_only=True):
    rows += 1
    for v in row:
        if v is not None:
            cells += 1
wb.close()
print(f"openpyxl: {rows} rows, {cells} non-empty cells", file=sys.stderr)
