#!/usr/bin/env python3
"""Writes a large structure-specific SDMX-ML 2.1 trade message for memory/speed checks.

usage: tools/gen-sdmx.py OUT.xml [SIZE_MB]   (default 500)

Comext-shaped: series reporter × partner × product × flow × indicator, 60 monthly
observations each; prints the number of Obs written (to assert against).
"""
import sys

out = sys.argv[1]
target = int(sys.argv[2] if len(sys.argv) > 2 else 500) * 1024 * 1024
reporters = ["NL", "DE", "FR", "IT", "ES", "BE", "AT", "PL", "CZ", "SE", "EL", "PT"]
partners = ["CN", "US", "JP", "KR", "TR", "SG", "IN", "MY", "VN", "TH", "BR", "CA"]
products = ["28053011", "28053019", "28461010", "28469011", "28469014", "28469019", "28469099", "85051110"]
months = [f"{y}-{m:02d}" for y in range(2020, 2025) for m in range(1, 13)]

obs = 0
with open(out, "w", buffering=1 << 20) as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<message:StructureSpecificData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" '
            'xmlns:ss="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific">\n'
            '<message:Header><message:ID>BIG</message:ID><message:DataSetID>DS-BIG</message:DataSetID></message:Header>\n'
            '<message:DataSet ss:structureRef="DS-BIG">\n')
    written = 400
    i = 0
    while written < target:
        r = reporters[i % len(reporters)]
        p = partners[(i // len(reporters)) % len(partners)]
        c = products[(i // (len(reporters) * len(partners))) % len(products)]
        block = (i // (len(reporters) * len(partners) * len(products)))
        for flow in ("1", "2"):
            for ind, scale in (("QUANTITY_IN_100KG", 1), ("VALUE_IN_EUROS", 1000)):
                lines = [f'<Series freq="M" reporter="{r}" partner="{p}" product="{c}" flow="{flow}" indicators="{ind}" block="{block}">\n']
                for k, t in enumerate(months):
                    lines.append(f'<Obs TIME_PERIOD="{t}" OBS_VALUE="{(i * 7 + k * 13) % 997 * scale + 0.5}" OBS_STATUS="A"/>\n')
                lines.append("</Series>\n")
                s = "".join(lines)
                f.write(s)
                written += len(s)
                obs += len(months)
        i += 1
    f.write("</message:DataSet>\n</message:StructureSpecificData>\n")
print(obs)
