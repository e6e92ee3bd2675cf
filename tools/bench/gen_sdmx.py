#!/usr/bin/env python3
"""Deterministic SDMX-ML 2.1 structure-specific trade message for `make bench`.

    gen_sdmx.py BYTES OUT [--seed 20240601]

A Comext-like message (docs/FORMATS.md section 5): EU reporters (ISO2), ~60 partners
(ISO2), CN8 product codes built on real HS6 codes (incl. 28469090, 28053010),
flow 1 (import) / 2 (export), one indicator QUANTITY_IN_100KG, monthly
observations 2002-01 .. 2024-12:

    <Series freq="M" reporter="NL" partner="CN" product="28469090" flow="1" indicators="QUANTITY_IN_100KG">
      <Obs TIME_PERIOD="2024-01" OBS_VALUE="12.5"/>
      ...
    </Series>

Series are written until the file reaches BYTES (it stops at the series that
crosses it, so the file is BYTES plus at most one series), then the message is
closed. (reporter, partner, product, flow, TIME_PERIOD) is unique. Streaming
write, standard library only.
"""
import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_comtrade import HS6  # noqa: E402  (real HS6 codes)

REPORTERS = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
PARTNERS = ("CN US JP KR TW SG MY TH VN ID IN AU CA MX BR CL AR ZA RU KZ UZ TR IL SA AE PK "
            "MM LA MN HK CH NO GB UA EG MA NG PE NZ PH BD LK KH IR AT BE DE FR IT NL PL ES "
            "SE FI DK CZ PT HU RO").split()
SUFFIXES = ["10", "90", "00", "19", "99"]

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<message:StructureSpecificData xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" xmlns:ss="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific" xmlns:ns1="urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ESTAT:DS-045409(1.0):ObsLevelDim:TIME_PERIOD" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:common="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">
<message:Header>
<message:ID>TRADEWATCH_BENCH_DS-045409</message:ID>
<message:Test>false</message:Test>
<message:Prepared>2024-06-01T00:00:00Z</message:Prepared>
<message:Sender id="ESTAT"/>
<message:Structure structureID="ESTAT_DS-045409_1_0" namespace="urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=ESTAT:DS-045409(1.0)" dimensionAtObservation="TIME_PERIOD">
<common:StructureUsage><Ref agencyID="ESTAT" id="DS-045409" version="1.0"/></common:StructureUsage>
</message:Structure>
</message:Header>
<message:DataSet ss:dataScope="DataStructure" xsi:type="ns1:DataSetType" ss:structureRef="ESTAT_DS-045409_1_0">
"""
TAIL = """</message:DataSet>
</message:StructureSpecificData>
"""


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bytes", type=int)
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=20240601)
    a = ap.parse_args(argv)
    t0 = time.time()
    rng = random.Random(a.seed)
    products = []
    for code, _ in HS6:
        for s in SUFFIXES[: 1 + (int(code) % 3)]:
            products.append(code + s)
    for must in ("28469090", "28053010"):
        if must not in products:
            products.append(must)
    periods = [f"{y}-{m:02d}" for y in range(2002, 2025) for m in range(1, 13)]
    obs_pre = [f'<Obs TIME_PERIOD="{p}" OBS_VALUE="' for p in periods]
    # Precomputed observation values (quantities in 100 kg), walked with a stride.
    vals = []
    for _ in range(65521):
        v = rng.lognormvariate(3.0, 2.0)
        s = f"{v:.1f}" if v < 1000 else f"{v:.0f}"
        vals.append(s + ('" OBS_STATUS="E"/>\n' if rng.random() < 0.03 else '"/>\n'))
    nvals = len(vals)

    target = a.bytes
    seen = set()
    written = 0
    n_series = n_obs = 0
    k = 0
    with open(a.out, "wb", buffering=1 << 22) as out:
        b = HEAD.encode()
        out.write(b)
        written += len(b)
        while written < target:
            key = (rng.choice(REPORTERS), rng.choice(PARTNERS), rng.choice(products), rng.choice("12"))
            if key[0] == key[1] or key in seen:
                continue
            seen.add(key)
            r, p, prod, f = key
            # a contiguous run of months (series start and end at random months)
            start = rng.randrange(0, len(periods) - 12)
            end = len(periods) if rng.random() < 0.6 else rng.randrange(start + 12, len(periods) + 1)
            parts = [f'<Series freq="M" reporter="{r}" partner="{p}" product="{prod}" flow="{f}" '
                     f'indicators="QUANTITY_IN_100KG">\n']
            for t in range(start, end):
                k = (k + 7919) % nvals
                parts.append(obs_pre[t] + vals[k])
            parts.append("</Series>\n")
            b = "".join(parts).encode()
            out.write(b)
            written += len(b)
            n_series += 1
            n_obs += end - start
        b = TAIL.encode()
        out.write(b)
        written += len(b)
    print(f"gen_sdmx: {n_series} series, {n_obs} observations, {written} bytes -> {a.out} "
          f"({time.time() - t0:.1f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
