#!/usr/bin/env python3
"""Generate the calibrated sample in Raw/china-customs/ and Raw/comtrade/partners-*.csv.

The files are a CALIBRATED SAMPLE, not a download: China customs monthly export
tables (GB18030, Chinese headers, docs/FORMATS.md section 1) and UN Comtrade monthly
partner records (docs/FORMATS.md section 2) for 2019-2025, built so that the monthly and
annual chapter-28 rare-earth export totals equal the figures China customs
published (Pipelines/reference/china_ree_exports_published.csv).

Standard library only, fixed seed: re-running reproduces byte-identical files.
The script ends with a self-check that re-reads what it wrote (decoding GB18030),
compares every published figure with the sample, writes Raw/calibration.csv and
checks that a second build in the same process gives the same bytes.

    python3 Raw/generate_sample.py            # writes the files, then checks them
    python3 Raw/generate_sample.py --check    # only checks the files on disk
"""

import csv
import hashlib
import io
import math
import os
import random
import sys

RAW = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(RAW, os.pardir, "Pipelines", "reference")
SEED = "tradewatch-sample-2025"
YEARS = list(range(2019, 2026))
MONTHS = [(y, m) for y in YEARS for m in range(1, 13)]
TOLERANCE_T = 0.5

# Annual totals for years without a published figure in the reference table:
# plausible levels, not calibration targets (they are not in calibration.csv).
SOFT_ANNUAL_T = {2019: 46300, 2020: 45100, 2021: 48900}

# Monthly profile: lunar-new-year dip in February, Golden Week dip in October,
# mild December peak. Normalised to a mean of 1.
_SEASON_RAW = [1.00, 0.70, 1.06, 1.00, 1.02, 1.03, 0.98, 0.99, 1.01, 0.94, 1.03, 1.12]
SEASON = [s * 12 / sum(_SEASON_RAW) for s in _SEASON_RAW]
# Market growth relative to 2022 (+5-10 %/yr outside the 2020 slowdown).
TREND = {2019: 0.95, 2020: 0.93, 2021: 1.00, 2022: 1.00, 2023: 1.07, 2024: 1.13, 2025: 1.20}

# --------------------------------------------------------------------------------
# Product lines: annual tonnes in 2022 (before calibration), unit values USD/kg by
# year 2019..2025, typical lot size in tonnes (below it a series ships in lumps and
# is empty most months), partner shares (Chinese names as in customs files).
# --------------------------------------------------------------------------------
LINES = {
    # light rare earths: La/Ce dominate the tonnage
    "28461010": (8000, [2.1, 1.9, 2.0, 2.2, 1.5, 1.3, 1.3], 5.0,
                 {"日本": .30, "美国": .18, "韩国": .10, "荷兰": .07, "印度": .06, "越南": .05,
                  "中国台湾": .05, "泰国": .04, "德国": .04, "土耳其": .03, "意大利": .03,
                  "马来西亚": .03, "印度尼西亚": .02, "中国香港": .0006}),
    "28461090": (5000, [2.8, 2.6, 2.8, 3.0, 2.4, 2.1, 2.1], 5.0,
                 {"日本": .28, "美国": .22, "韩国": .12, "德国": .08, "法国": .06, "荷兰": .06,
                  "中国台湾": .06, "印度": .05, "英国": .04, "泰国": .03}),
    "28469012": (12500, [2.0, 1.8, 2.1, 2.3, 1.4, 1.1, 1.1], 5.0,
                 {"日本": .30, "美国": .22, "荷兰": .10, "韩国": .08, "印度": .07, "中国台湾": .06,
                  "越南": .04, "泰国": .04, "马来西亚": .03, "德国": .03, "俄罗斯": .03}),
    "28469023": (2000, [1.3, 1.2, 1.3, 1.5, 1.1, 1.0, 1.0], 5.0,
                 {"美国": .45, "日本": .20, "荷兰": .10, "印度": .10, "韩国": .08, "巴西": .07}),
    "28469028": (1500, [1.6, 1.5, 1.7, 1.9, 1.4, 1.2, 1.2], 5.0,
                 {"美国": .35, "日本": .25, "印度": .20, "韩国": .10, "巴西": .10}),
    "28469048": (2500, [3.2, 3.0, 3.6, 4.2, 3.0, 2.6, 2.7], 5.0,
                 {"日本": .35, "美国": .20, "爱沙尼亚": .15, "荷兰": .10, "韩国": .10, "印度": .10}),
    "28469049": (1200, [4.0, 3.8, 4.5, 5.2, 3.8, 3.2, 3.3], 3.0,
                 {"日本": .35, "美国": .25, "韩国": .15, "印度": .15, "德国": .10}),
    "28469033": (500, [3.6, 3.4, 3.7, 4.0, 3.2, 2.9, 2.9], 2.0,
                 {"日本": .40, "美国": .30, "韩国": .20, "德国": .10}),
    "28469039": (450, [9, 8.5, 10, 11, 9, 8, 8.5], 2.0,
                 {"日本": .35, "美国": .25, "韩国": .20, "德国": .20}),
    "28469029": (400, [5, 4.8, 5.5, 6, 5, 4.5, 4.6], 2.0,
                 {"日本": .30, "美国": .30, "韩国": .20, "印度": .20}),
    "28053014": (1100, [5.8, 5.5, 6.2, 6.8, 5.2, 4.6, 4.7], 2.0,
                 {"日本": .45, "美国": .20, "韩国": .15, "德国": .10, "中国台湾": .10}),
    "28053015": (700, [5.6, 5.3, 6.0, 6.6, 5.0, 4.5, 4.6], 2.0,
                 {"日本": .35, "美国": .30, "奥地利": .15, "德国": .10, "英国": .10}),
    "28053029": (2600, [22, 24, 38, 52, 44, 27, 32], 2.0,
                 {"日本": .35, "越南": .20, "韩国": .15, "美国": .10, "泰国": .10, "菲律宾": .10}),
    "28053019": (120, [40, 38, 45, 52, 45, 40, 44], 1.0,
                 {"日本": .40, "美国": .30, "德国": .20, "英国": .10}),
    # Nd / Pr: moderate tonnage, high value
    "28469013": (900, [50, 55, 85, 100, 88, 60, 70], 1.0,
                 {"日本": .35, "越南": .20, "韩国": .15, "美国": .10, "泰国": .10, "德国": .10}),
    "28469017": (300, [52, 56, 82, 95, 85, 60, 66], 1.0,
                 {"日本": .40, "韩国": .20, "越南": .20, "美国": .20}),
    "28053011": (900, [62, 68, 105, 128, 110, 72, 88], 1.0,
                 {"日本": .45, "越南": .20, "韩国": .15, "泰国": .10, "菲律宾": .10}),
    "28053016": (150, [66, 70, 100, 120, 105, 72, 82], 1.0,
                 {"日本": .50, "越南": .30, "韩国": .20}),
    "28469024": (30, [32, 34, 50, 60, 48, 38, 42], 0.5, {"日本": .50, "美国": .50}),
    "28469025": (10, [30, 32, 46, 55, 45, 36, 40], 0.5, {"日本": 1.0}),
    "28469034": (120, [55, 60, 90, 105, 85, 66, 74], 1.0, {"日本": .50, "韩国": .30, "美国": .20}),
    "28469035": (40, [50, 55, 80, 95, 78, 60, 68], 0.5, {"日本": .60, "韩国": .40}),
    # medium / heavy rare earths, controlled from 2025-04-04 (Sm Gd Tb Dy Lu Sc Y)
    "28469011": (1600, [7.0, 6.5, 7.2, 9.0, 9.5, 8.2, 10.5], 2.0,
                 {"日本": .35, "美国": .20, "韩国": .15, "德国": .10, "荷兰": .08, "中国台湾": .07,
                  "印度": .05}),
    "28469015": (60, [255, 275, 390, 395, 345, 265, 330], 0.2,
                 {"日本": .45, "美国": .15, "韩国": .15, "德国": .15, "越南": .10}),
    "28469016": (15, [930, 1000, 1500, 1800, 1420, 1000, 1150], 0.1,
                 {"日本": .50, "韩国": .20, "美国": .15, "德国": .15}),
    "28053012": (15, [330, 350, 490, 500, 440, 340, 420], 0.1, {"日本": .50, "韩国": .30, "美国": .20}),
    "28053013": (8, [1200, 1280, 1900, 2250, 1800, 1280, 1450], 0.1, {"日本": .60, "韩国": .40}),
    "28053017": (50, [34, 33, 35, 40, 42, 38, 48], 0.5, {"日本": .40, "美国": .40, "德国": .20}),
    "28053018": (1.5, [3400, 3300, 3300, 3500, 3600, 3500, 3900], 0.05, {"日本": .50, "美国": .50}),
    "28469021": (1, [700, 760, 1100, 1300, 1050, 760, 860], 0.05, {"日本": 1.0}),
    "28469022": (2, [190, 205, 290, 300, 260, 200, 250], 0.05, {"日本": 1.0}),
    "28469026": (40, [10, 9.5, 10, 12, 12.5, 11, 13], 0.5, {"日本": .50, "美国": .50}),
    "28469031": (2, [850, 920, 1350, 1600, 1280, 920, 1040], 0.05, {"日本": 1.0}),
    "28469032": (8, [240, 260, 370, 380, 330, 250, 315], 0.1, {"日本": .60, "韩国": .40}),
    "28469036": (50, [18, 17, 18, 21, 22, 20, 24], 0.5, {"日本": .50, "美国": .30, "德国": .20}),
    # uncontrolled catch-all lines
    "28469019": (720, [24, 23, 26, 30, 28, 25, 27], 1.0,
                 {"日本": .40, "美国": .20, "韩国": .15, "德国": .10, "荷兰": .10, "法国": .05,
                  "新加坡": .0007}),
    "28469099": (1200, [15, 14, 16, 18, 17, 15, 16], 1.0,
                 {"日本": .35, "韩国": .20, "美国": .15, "德国": .10, "中国台湾": .10, "印度": .10,
                  "土耳其": .0008}),
}
EUROPIUM = "28469014"
EU_UV = [35, 31, 31, 30, 28, 27, 27]
MAGNET = "85051110"
MAGNET_UV = [40, 42, 50, 60, 52, 42, 45]
MAGNET_T_2022 = 50000
MAGNET_TREND = {2019: 0.70, 2020: 0.75, 2021: 0.95, 2022: 1.00, 2023: 1.10, 2024: 1.12, 2025: 1.18}
# 2025 licensing bottleneck after the April controls (NdFeB with Dy/Tb).
MAGNET_2025_DROP = {4: 0.50, 5: 0.25, 6: 0.62, 7: 0.90}
MAGNET_PARTNERS = {"德国": .17, "美国": .11, "韩国": .10, "越南": .07, "印度": .07, "泰国": .06,
                   "意大利": .05, "日本": .05, "墨西哥": .04, "波兰": .04, "菲律宾": .04,
                   "中国台湾": .03, "西班牙": .03, "巴西": .03, "土耳其": .03, "法国": .03,
                   "荷兰": .03, "英国": .02}

CONTROLLED = ["28469011", "28469015", "28469016", "28053012", "28053013", "28053017", "28053018",
              "28469021", "28469022", "28469026", "28469031", "28469032", "28469036"]
CATCH_ALL = ["28469019", "28469099"]
CONTROL_MONTH = (2025, 4)
# share of pre-control level a controlled line keeps, by month of 2025 (-64 % .. -90 %)
CONTROLLED_KEEP = {4: .12, 5: .10, 6: .16, 7: .22, 8: .28, 9: .30, 10: .32, 11: .35, 12: .36}
# catch-all lines after the controls: usual buyers x2, plus new third-country buyers (t/month)
CATCH_ALL_USUAL_FACTOR = 2.0
CATCH_ALL_NEW = {"28469019": {"马来西亚": 55, "越南": 45, "阿联酋": 30},
                 "28469099": {"马来西亚": 70, "越南": 60, "阿联酋": 40}}
CATCH_ALL_APRIL_RAMP = 0.75
CATCH_ALL_POST_UV = 2.0   # the mix shifts to heavier elements: unit value doubles

# Steady growers (~25 %/yr): a decoy that volume detectors must not flag.
DECOY_GROWTH = {("28469013", "越南"): 1.25, ("28053029", "越南"): 1.25}
# Volume spike: Nd metal to Korea, Sep-Nov 2023.
SPIKE = {("28053011", "韩国"): {(2023, 9): 6.2, (2023, 10): 7.5, (2023, 11): 5.4}}
# Unit-value outliers (misdeclaration): (code, partner, year, month) -> (kg or None, USD/kg)
OUTLIERS = {("28469015", "越南", 2023, 6): (1200, 3.10),
            ("28461010", "中国香港", 2022, 8): (3000, 400.0),
            ("28053011", "菲律宾", 2021, 5): (None, 4.50),
            ("28469016", "韩国", 2024, 3): (300, 18.0)}
# Destinations that, from 2024, buy part of their needs through the conduits: their
# direct purchases of 2846.90 lines from China are lower.
CONDUIT_DESTINATIONS = {"美国": (0.80, 0.90), "印度": (0.80, 0.90), "荷兰": (0.80, 0.90),
                        "德国": (0.80, 0.90)}

# Europium oxide: usual buyers a few tonnes a year; in 2024 Singapore ~60 t and
# Turkey ~150 t (published analysis of 2024 customs data), back down in 2025.
EU_USUAL_T = {2019: 6.5, 2020: 4.8, 2021: 7.9, 2022: 5.6, 2023: 8.7, 2024: 5.0, 2025: 4.2}
EU_USUAL_PARTNERS = {"日本": .40, "韩国": .20, "荷兰": .20, "美国": .10, "法国": .10}
EU_USUAL_PARTNERS_2024 = {"日本": .55, "韩国": .25, "法国": .20}
EU_CONDUIT_T = {
    "土耳其": {2024: ([0, 0, 8, 14, 16, 15, 17, 17, 19, 18, 16, 10], 150.0),
            2025: ([3.2, 1.1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 4.3)},
    "新加坡": {2024: ([0, 0, 0, 5, 7, 7, 8, 8, 8, 7, 6, 4], 60.0),
            2025: ([1.6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 1.6)},
}

ANCHOR = ("28469012", "日本")   # absorbs the last kilograms of rounding in each month

PARTNER_ORDER = ["日本", "美国", "荷兰", "韩国", "德国", "越南", "马来西亚", "新加坡", "土耳其",
                 "印度", "法国", "意大利", "泰国", "中国台湾", "中国香港", "俄罗斯", "阿联酋", "英国",
                 "奥地利", "爱沙尼亚", "印度尼西亚", "菲律宾", "墨西哥", "波兰", "西班牙", "巴西"]

CUSTOMS_HEADER = ["数据年月", "商品编码", "商品名称", "贸易伙伴编码", "贸易伙伴名称", "第一数量",
                  "第一计量单位", "第二数量", "第二计量单位", "美元"]

# --------------------------------------------------------------------------------
# Comtrade
# --------------------------------------------------------------------------------
COMTRADE_HEADER = (
    "typeCode,freqCode,refPeriodId,refYear,refMonth,period,reporterCode,reporterISO,reporterDesc,"
    "flowCode,flowDesc,partnerCode,partnerISO,partnerDesc,partner2Code,partner2ISO,partner2Desc,"
    "classificationCode,classificationSearchCode,isOriginalClassification,cmdCode,cmdDesc,aggrLevel,"
    "isLeaf,customsCode,customsDesc,mosCode,motCode,motDesc,qtyUnitCode,qtyUnitAbbr,qty,isQtyEstimated,"
    "altQtyUnitCode,altQtyUnitAbbr,altQty,isAltQtyEstimated,netWgt,isNetWgtEstimated,grossWgt,"
    "isGrossWgtEstimated,cifvalue,fobvalue,primaryValue,legacyEstimationFlag,isReported,isAggregate"
).split(",")
# ISO3 -> (Comtrade code, ISO shown in the file, description shown in the file)
COMTRADE_COUNTRY = {
    "CHN": ("156", "CHN", "China"), "JPN": ("392", "JPN", "Japan"),
    "KOR": ("410", "KOR", "Rep. of Korea"), "USA": ("842", "", ""),
    "NLD": ("528", "NLD", "Netherlands"), "DEU": ("276", "DEU", "Germany"),
    "MYS": ("458", "MYS", "Malaysia"), "VNM": ("704", "VNM", "Viet Nam"),
    "SGP": ("702", "SGP", "Singapore"), "TUR": ("792", "TUR", "Türkiye"),
    "IND": ("699", "IND", "India"), "WLD": ("0", "W00", "World"),
}
# Chinese customs partner name -> ISO3 for the partners that report to Comtrade here
ZH_ISO3 = {"日本": "JPN", "韩国": "KOR", "美国": "USA", "荷兰": "NLD", "德国": "DEU",
           "马来西亚": "MYS", "越南": "VNM", "新加坡": "SGP", "土耳其": "TUR", "印度": "IND"}
CMD_DESC = {
    "284690": "Compounds, inorganic or organic (excluding cerium), of rare-earth metals, of yttrium, "
              "scandium or of mixtures of these metals",
    "280530": "Earth-metals, rare; scandium and yttrium, whether or not intermixed or interalloyed",
}
# months of shipping between China's export declaration and the importer's record
IMPORT_LAG = {"JPN": [.75, .25], "KOR": [.75, .25], "MYS": [.65, .35], "VNM": [.65, .35],
              "SGP": [.80, .20], "USA": [.30, .60, .10], "NLD": [.30, .60, .10],
              "DEU": [.30, .60, .10], "IND": [.30, .60, .10], "TUR": [.50, .50]}
# Mirror-gap case: Japan records far more 2846.90 imports from China than China
# records as exports to Japan (smuggling / misdeclaration pattern).
MIRROR_EXCESS = {("JPN", "284690"): {2021: 1.45, 2022: 1.70, 2023: 1.58}}
# Conduits: share of their europium imports re-exported to each destination
CONDUIT_ROUTES = {"SGP": {"NLD": .60, "DEU": .40}, "TUR": {"USA": .55, "IND": .30, "DEU": .15}}
REEXPORT_LAG = [.10, .45, .35, .10]   # 0..3 months after import
REEXPORT_UV_MARKUP = 1.35
# imports of 2846.90 from suppliers other than China and the conduits, as a share of the
# importer's average 2019-2023 imports from China, growing with the market (Estonia,
# France, Japan ... not itemised)
OTHER_SUPPLIERS_SHARE = {"JPN": .12, "KOR": .10, "USA": .25, "NLD": .15, "DEU": .35, "MYS": .30,
                         "VNM": .06, "IND": .12}
CONDUIT_OTHER_T = {"SGP": (0.8, 0.3), "TUR": (1.5, 0.4)}   # t/month other imports, domestic exports
COMTRADE_REPORTERS = ["JPN", "KOR", "USA", "NLD", "DEU", "MYS", "VNM", "IND", "SGP", "TUR"]


# --------------------------------------------------------------------------------
def read_reference():
    codes = {}
    with open(os.path.join(REFERENCE, "rare_earth_codes.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            codes[r["code"]] = r["description_zh"]
    names = set()
    with open(os.path.join(REFERENCE, "countries.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            names.add(r["name_zh"])
            names.update(a for a in r["aliases"].split("|") if a)
    published = []
    with open(os.path.join(REFERENCE, "china_ree_exports_published.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            published.append((r["period"], float(r["tonnes"]), r["kind"], r["source"]))
    return codes, names, published


def lognorm(rng, sigma):
    """Multiplicative noise with mean 1."""
    return math.exp(rng.gauss(0.0, sigma) - sigma * sigma / 2)


def unit_value(table, y, m):
    """USD/kg interpolated between mid-year anchors."""
    t = y + (m - 0.5) / 12 - 0.5 - YEARS[0]
    i = max(0, min(len(table) - 2, int(math.floor(t))))
    frac = max(0.0, min(1.0, t - i)) if 0 <= t <= len(table) - 1 else (0.0 if t < 0 else 1.0)
    return table[i] + (table[i + 1] - table[i]) * frac


def month_index(y, m):
    return (y - YEARS[0]) * 12 + (m - 1)


def lumpy_series(rng, monthly_expected_t, lot_t, sigma=0.15):
    """Monthly tonnes: continuous above the lot size, occasional lots below it."""
    out = []
    for e in monthly_expected_t:
        if e <= 0:
            out.append(0.0)
        elif e >= lot_t:
            out.append(e * lognorm(rng, sigma))
        else:
            p = e / lot_t
            out.append(lot_t * lognorm(rng, 0.35) if rng.random() < p else 0.0)
    return out


# --------------------------------------------------------------------------------
def model_rows():
    """Uncalibrated tonnes per (code, partner) -> list over MONTHS, and the fixed series."""
    series = {}
    fixed = set()
    for code, (base_t, _uv, lot, partners) in LINES.items():
        for partner, share in partners.items():
            rng = random.Random(f"{SEED}|{code}|{partner}")
            key = (code, partner)
            expected = []
            for (y, m) in MONTHS:
                e = base_t * share * TREND[y] * SEASON[m - 1] / 12
                if key in DECOY_GROWTH:
                    e = base_t * share * SEASON[m - 1] / 12 * DECOY_GROWTH[key] ** (y + (m - 0.5) / 12 - 2022.5)
                if partner in CONDUIT_DESTINATIONS and code.startswith("28469") and y >= 2024:
                    e *= CONDUIT_DESTINATIONS[partner][0 if y == 2024 else 1]
                if code in CONTROLLED and (y, m) >= CONTROL_MONTH:
                    e *= CONTROLLED_KEEP[m]
                if code in CATCH_ALL and (y, m) >= CONTROL_MONTH:
                    e *= CATCH_ALL_USUAL_FACTOR * (CATCH_ALL_APRIL_RAMP if m == 4 else 1.0)
                expected.append(e)
            q = lumpy_series(rng, expected, lot, 0.12 if code in CONTROLLED + CATCH_ALL else 0.15)
            if key in SPIKE:
                for (y, m), mult in SPIKE[key].items():
                    q[month_index(y, m)] = expected[month_index(y, m)] * mult
            series[key] = q
            if code in CONTROLLED or code in CATCH_ALL or key in DECOY_GROWTH or key in SPIKE:
                fixed.add(key)
    # new third-country buyers of the catch-all lines after the controls
    for code, partners in CATCH_ALL_NEW.items():
        for partner, t_month in partners.items():
            rng = random.Random(f"{SEED}|{code}|{partner}|diversion")
            q = []
            for (y, m) in MONTHS:
                if (y, m) < CONTROL_MONTH:
                    q.append(0.0)
                else:
                    q.append(t_month * (CATCH_ALL_APRIL_RAMP if m == 4 else 1.0) * lognorm(rng, 0.18))
            series[(code, partner)] = q
            fixed.add((code, partner))
    # europium oxide
    for y in YEARS:
        buyers = EU_USUAL_PARTNERS_2024 if y >= 2024 else EU_USUAL_PARTNERS
        for partner, share in buyers.items():
            rng = random.Random(f"{SEED}|{EUROPIUM}|{partner}|{y}")
            expected = [EU_USUAL_T[y] * share / 12] * 12
            q = lumpy_series(rng, expected, 0.25)
            if sum(q) == 0:
                q[5] = EU_USUAL_T[y] * share
            scale = EU_USUAL_T[y] * share / sum(q)
            s = series.setdefault((EUROPIUM, partner), [0.0] * len(MONTHS))
            for i in range(12):
                s[month_index(y, 1) + i] = q[i] * scale
        fixed.update((EUROPIUM, p) for p in buyers)
    for partner, years in EU_CONDUIT_T.items():
        s = series.setdefault((EUROPIUM, partner), [0.0] * len(MONTHS))
        for y, (weights, total) in years.items():
            rng = random.Random(f"{SEED}|{EUROPIUM}|{partner}|{y}|conduit")
            w = [x * lognorm(rng, 0.10) if x else 0.0 for x in weights]
            for i in range(12):
                s[month_index(y, 1) + i] = total * w[i] / sum(w)
        fixed.add((EUROPIUM, partner))
    # forced outlier shipments
    for (code, partner, y, m), (kg, _uv) in OUTLIERS.items():
        if kg is not None:
            series[(code, partner)][month_index(y, m)] = kg / 1000
    return series, fixed


def monthly_targets_kg(published, model_total_t):
    """Target chapter-28 kg per month index, from the published figures."""
    months, groups, annual = {}, {}, {}
    for period, t, kind, _src in published:
        kg = round(t * 1000)
        if kind == "year":
            annual[int(period)] = kg
        elif kind == "month":
            y, m = map(int, period.split("-"))
            months[(y, m)] = kg
        elif kind == "months":
            a, b = period.split("/")
            ya, ma = map(int, a.split("-"))
            yb, mb = map(int, b.split("-"))
            groups[tuple((ya, mm) for mm in range(ma, mb + 1))] = kg
        else:
            raise SystemExit(f"unknown kind {kind!r} in published figures")
    for y, t in SOFT_ANNUAL_T.items():
        annual.setdefault(y, round(t * 1000))
    target = {}
    for y in YEARS:
        comps = []   # (months, kg): one published component each
        covered = set()
        for (yy, m), kg in months.items():
            if yy == y:
                comps.append((((y, m),), kg))
                covered.add((y, m))
        for ms, kg in groups.items():
            if ms[0][0] == y:
                comps.append((ms, kg))
                covered.update(ms)
        free = [(y, m) for m in range(1, 13) if (y, m) not in covered]
        rest = annual[y] - sum(kg for _, kg in comps)
        if free:
            weights = [model_total_t[month_index(*ym)] for ym in free]
            parts = split_int(rest, weights)
            for ym, kg in zip(free, parts):
                target[ym] = kg
        else:
            # every month is published: spread the rounding gap between the annual
            # figure and the sum of the months evenly over the published components
            adj = split_int(rest, [1.0] * len(comps))
            if max(abs(a) for a in adj) > TOLERANCE_T * 1000:
                raise SystemExit(f"{y}: months and year disagree by {rest} kg")
            comps = [(ms, kg + a) for (ms, kg), a in zip(comps, adj)]
        for ms, kg in comps:
            parts = split_int(kg, [model_total_t[month_index(*ym)] for ym in ms])
            for ym, p in zip(ms, parts):
                target[ym] = p
    return target


def split_int(total, weights):
    """Integers proportional to weights that sum exactly to total (largest remainder)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [math.floor(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def is_ch28(code):
    return code.startswith("2805") or code.startswith("2846")


def build_customs(codes, published):
    """Calibrated rows: {(code, partner): [(kg, usd) per month]}; plus diagnostics."""
    series, fixed = model_rows()
    n = len(MONTHS)
    model_total = [sum(q[i] for q in series.values()) for i in range(n)]
    target = monthly_targets_kg(published, model_total)
    kg = {key: [0] * n for key in series}
    factors = []
    for i, ym in enumerate(MONTHS):
        fixed_kg = 0
        for key in fixed:
            kg[key][i] = int(round(series[key][i] * 1000))
            fixed_kg += kg[key][i]
        scalable = sum(series[k][i] for k in series if k not in fixed) * 1000
        factor = (target[ym] - fixed_kg) / scalable
        factors.append(factor)
        total = fixed_kg
        for key in series:
            if key not in fixed:
                kg[key][i] = int(round(series[key][i] * 1000 * factor))
                total += kg[key][i]
        kg[ANCHOR][i] += target[ym] - total
        assert kg[ANCHOR][i] > 100000, ym
    # unit values
    rows = {}
    for key in sorted(series):
        code, partner = key
        rng = random.Random(f"{SEED}|{code}|{partner}|uv")
        partner_level = lognorm(rng, 0.05)
        table = EU_UV if code == EUROPIUM else LINES[code][1]
        vals = []
        for i, (y, m) in enumerate(MONTHS):
            q = kg[key][i]
            noise = lognorm(rng, 0.04)
            if q <= 0:
                vals.append((0, 0))
                continue
            uv = unit_value(table, y, m) * partner_level * noise
            if (y, m) >= CONTROL_MONTH:
                if code in CATCH_ALL:
                    uv *= CATCH_ALL_POST_UV * (1.1 if partner in CATCH_ALL_NEW[code] else 1.0)
                elif code in CONTROLLED:
                    uv *= 1.15
            if (code, partner, y, m) in OUTLIERS:
                uv = OUTLIERS[(code, partner, y, m)][1]
            vals.append((q, int(round(q * uv))))
        rows[key] = vals
    # magnets: not part of the calibrated totals
    for partner, share in MAGNET_PARTNERS.items():
        rng = random.Random(f"{SEED}|{MAGNET}|{partner}")
        partner_level = lognorm(rng, 0.05)
        vals = []
        for (y, m) in MONTHS:
            e = MAGNET_T_2022 * share * MAGNET_TREND[y] * SEASON[m - 1] / 12
            if y == 2025:
                e *= MAGNET_2025_DROP.get(m, 1.0)
            q = int(round(e * lognorm(rng, 0.10) * 1000))
            uv = unit_value(MAGNET_UV, y, m) * partner_level * lognorm(rng, 0.03)
            vals.append((q, int(round(q * uv))))
        rows[(MAGNET, partner)] = vals
    return rows, target, factors


def customs_files(rows, codes):
    """File name -> bytes (GB18030, CRLF)."""
    order = {p: i for i, p in enumerate(PARTNER_ORDER)}
    keys = sorted(rows, key=lambda k: (k[0], order[k[1]]))
    files = {}
    for y in YEARS:
        last = 11 if y == 2025 else 12
        lines = [",".join(CUSTOMS_HEADER)]
        for m in range(1, last + 1):
            i = month_index(y, m)
            for code, partner in keys:
                q, usd = rows[(code, partner)][i]
                if q > 0:
                    lines.append(f"{y}{m:02d},{code},{codes[code]},,{partner},{q},千克,,,{usd}")
        files[f"china-customs/exports-{y}.csv"] = ("\r\n".join(lines) + "\r\n").encode("gb18030")
    # December 2025 as a single-month download: no 数据年月 column, period in the file name
    i = month_index(2025, 12)
    lines = [",".join(CUSTOMS_HEADER[1:])]
    for code, partner in keys:
        q, usd = rows[(code, partner)][i]
        if q > 0:
            lines.append(f"{code},{codes[code]},,{partner},{q},千克,,,{usd}")
    files["china-customs/exports-202512.csv"] = ("\r\n".join(lines) + "\r\n").encode("gb18030")
    return files


# --------------------------------------------------------------------------------
def china_exports_hs6(rows):
    """(ISO3 partner, hs6) -> [(kg, usd)] per month, and the europium part alone."""
    out, eu = {}, {}
    for (code, partner), vals in rows.items():
        if partner not in ZH_ISO3 or not is_ch28(code):
            continue
        hs6 = code[:6]
        if hs6 not in CMD_DESC:
            continue
        iso = ZH_ISO3[partner]
        acc = out.setdefault((iso, hs6), [[0, 0] for _ in MONTHS])
        for i, (q, v) in enumerate(vals):
            acc[i][0] += q
            acc[i][1] += v
        if code == EUROPIUM:
            e = eu.setdefault(iso, [[0, 0] for _ in MONTHS])
            for i, (q, v) in enumerate(vals):
                e[i][0] += q
                e[i][1] += v
    return out, eu


def lagged(series, weights, i):
    """Weighted sum of series[i - lag]; before the first month, the first month stands in."""
    kg = usd = 0.0
    for lag, w in enumerate(weights):
        q, v = series[max(0, i - lag)]
        kg += w * q
        usd += w * v
    return kg, usd


def comtrade_rows(rows):
    china, eu = china_exports_hs6(rows)
    n = len(MONTHS)
    records = []   # (reporter, i, flow, partner, cmd, variant) -> dict

    def add(rep, i, flow, partner, cmd, kg, value, estimated=False, customs="C00", mot="0",
            partner2="0", variant=0):
        if kg <= 0.5:
            return
        records.append(((COMTRADE_REPORTERS.index(rep), i, flow, partner, cmd, variant),
                        dict(rep=rep, i=i, flow=flow, partner=partner, cmd=cmd, kg=kg, value=value,
                             estimated=estimated, customs=customs, mot=mot, partner2=partner2)))

    # re-export legs of the conduits (kg, usd per month), computed first
    reexport = {}   # (K, D) -> [(kg, usd)]
    imports_from_china = {}   # (rep, cmd) -> [(kg, usd)]
    for rep in COMTRADE_REPORTERS:
        rng = random.Random(f"{SEED}|comtrade|{rep}|imports")
        for cmd in CMD_DESC:
            src = china.get((rep, cmd))
            recs = []
            for i, (y, m) in enumerate(MONTHS):
                if src is None:
                    recs.append((0.0, 0.0))
                    continue
                kg, usd = lagged(src, IMPORT_LAG[rep], i)
                kg *= rng.uniform(0.975, 1.025)
                usd *= rng.uniform(1.03, 1.08)
                excess = MIRROR_EXCESS.get((rep, cmd), {}).get(y)
                if excess:
                    kg *= excess
                    usd *= excess
                recs.append((kg, usd))
            imports_from_china[(rep, cmd)] = recs
    for k, routes in CONDUIT_ROUTES.items():
        rng = random.Random(f"{SEED}|comtrade|{k}|reexport")
        eu_in = [lagged(eu[k], IMPORT_LAG[k], i) for i in range(n)]
        out = {d: [[0.0, 0.0] for _ in range(n)] for d in routes}
        for i in range(n):
            kg_in, usd_in = eu_in[i]
            if kg_in <= 0:
                continue
            frac = rng.uniform(0.80, 0.95)
            for lag, w in enumerate(REEXPORT_LAG):
                j = i + lag
                if j >= n:
                    continue
                for d, share in routes.items():
                    q = kg_in * frac * w * share
                    out[d][j][0] += q
                    out[d][j][1] += q * (usd_in / kg_in) * REEXPORT_UV_MARKUP
        for d in routes:
            reexport[(k, d)] = out[d]

    for rep in COMTRADE_REPORTERS:
        rng = random.Random(f"{SEED}|comtrade|{rep}|rows")
        base = [q for q, _ in imports_from_china[(rep, "284690")][:60]]
        other_level = sum(base) / len(base) * OTHER_SUPPLIERS_SHARE.get(rep, 0)
        base_trend = sum(TREND[y] for y in YEARS[:5]) / 5
        for i, (y, m) in enumerate(MONTHS):
            est = rep == "VNM" and y == 2020
            for cmd in CMD_DESC:
                kg, usd = imports_from_china[(rep, cmd)][i]
                add(rep, i, "M", "CHN", cmd, kg, usd, estimated=est)
            # 2846.90 imports from the conduits and from the world
            world_kg, world_usd = imports_from_china[(rep, "284690")][i]
            for k in CONDUIT_ROUTES:
                if (k, rep) in reexport:
                    kg, usd = lagged(reexport[(k, rep)], [.7, .3], i)
                    kg *= rng.uniform(0.975, 1.025)
                    usd *= rng.uniform(1.03, 1.06)
                    if kg > 0.5:
                        add(rep, i, "M", k, "284690", kg, usd)
                        world_kg += kg
                        world_usd += usd
            if rep in CONDUIT_ROUTES:
                other_t, domestic_t = CONDUIT_OTHER_T[rep]
                okg = other_t * 1000 * lognorm(rng, 0.2)
                world_kg += okg
                world_usd += okg * 18 * lognorm(rng, 0.05)
                xw_kg = domestic_t * 1000 * lognorm(rng, 0.2)
                xw_usd = xw_kg * 22 * lognorm(rng, 0.05)
                for d in CONDUIT_ROUTES[rep]:
                    kg, usd = reexport[(rep, d)][i]
                    if kg > 0.5:
                        add(rep, i, "X", d, "284690", kg, usd)
                        xw_kg += kg
                        xw_usd += usd
                add(rep, i, "X", "WLD", "284690", xw_kg, xw_usd)
            else:
                okg = other_level * TREND[y] / base_trend * lognorm(rng, 0.15)
                world_kg += okg
                world_usd += okg * 20 * lognorm(rng, 0.05)
            add(rep, i, "M", "WLD", "284690", world_kg, world_usd, estimated=est)
    # breakdown rows (not totals; summing them with the totals double-counts)
    extra = []
    for key, r in records:
        rep, i, flow, partner, cmd = r["rep"], r["i"], r["flow"], r["partner"], r["cmd"]
        y = MONTHS[i][0]
        splits = []
        if rep == "KOR" and y == 2024 and flow == "M" and partner == "CHN" and cmd == "284690":
            splits = [dict(customs="C01", variant=1, share=.62), dict(customs="C02", variant=2, share=.38)]
        elif rep == "DEU" and y == 2022 and flow == "M" and partner == "CHN" and cmd == "280530":
            splits = [dict(mot="2100", variant=1, share=.83), dict(mot="1000", variant=2, share=.17)]
        elif rep == "NLD" and y == 2023 and flow == "M" and partner == "CHN" and cmd == "284690":
            splits = [dict(partner2="156", variant=1, share=.91), dict(partner2="344", variant=2, share=.09)]
        for s in splits:
            d = dict(r)
            share = s.pop("share")
            variant = s.pop("variant")
            d.update(s)
            d["kg"] = r["kg"] * share
            d["value"] = r["value"] * share
            extra.append((key[:5] + (variant,), d))
    records.extend(extra)
    records.sort(key=lambda kv: kv[0])
    return [r for _, r in records]


def fmt(x, decimals=1):
    return f"{x:.{decimals}f}"


def comtrade_file(records):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COMTRADE_HEADER)
    mot_desc = {"0": "TOTAL MOT", "2100": "Sea", "1000": "Air"}
    customs_desc = {"C00": "TOTAL CPC", "C01": "Import for home consumption", "C02": "Inward processing"}
    for r in records:
        y, m = MONTHS[r["i"]]
        rcode, riso, rdesc = COMTRADE_COUNTRY[r["rep"]]
        pcode, piso, pdesc = COMTRADE_COUNTRY["USA" if r["partner"] == "USA" else r["partner"]]
        if r["partner"] == "USA":
            piso, pdesc = "USA", "USA"
        if r["rep"] == "IND":
            piso, pdesc = "", ""          # this reporter's extract lacks partner labels
        p2 = {"0": ("0", "W00", "World"), "156": ("156", "CHN", "China"),
              "344": ("344", "HKG", "China, Hong Kong SAR")}[r["partner2"]]
        est = r["estimated"]
        kg = fmt(r["kg"], 3) if est else fmt(round(r["kg"]))
        value = fmt(round(r["value"]))
        imp = r["flow"] == "M"
        w.writerow([
            "C", "M", f"{y}{m:02d}01", y, m, f"{y}{m:02d}", rcode, riso, rdesc,
            r["flow"], "Import" if imp else "Export", pcode, piso, pdesc, p2[0], p2[1], p2[2],
            "H6", "HS", "True" if y >= 2022 else "False", r["cmd"], CMD_DESC[r["cmd"]], 6, "True",
            r["customs"], customs_desc[r["customs"]], 0, r["mot"], mot_desc[r["mot"]],
            8, "kg", kg, "True" if est else "False", -1, "", "0.0", "False",
            kg, "True" if est else "False", "0.0", "False",
            value if imp else "", "" if imp else value, value,
            6 if est else 0, "False" if est else "True", "False"])
    return out.getvalue().encode("utf-8")


# --------------------------------------------------------------------------------
def build():
    codes, names, published = read_reference()
    for p in PARTNER_ORDER:
        if p not in names:
            raise SystemExit(f"partner name {p!r} is not in countries.csv name_zh/aliases")
    for code in list(LINES) + [EUROPIUM, MAGNET]:
        if code not in codes:
            raise SystemExit(f"code {code} is not in rare_earth_codes.csv")
    rows, target, factors = build_customs(codes, published)
    files = customs_files(rows, codes)
    files["comtrade/partners-2019-2025-monthly.csv"] = comtrade_file(comtrade_rows(rows))
    return files, published, factors


def read_customs(path):
    """Re-read one customs file from disk: month -> {code -> kg}, plus per-row tuples."""
    name = os.path.basename(path)
    with open(path, encoding="gb18030", newline="") as f:
        reader = csv.DictReader(f)
        out = []
        for r in reader:
            period = r.get("数据年月") or name.split("-")[-1].split(".")[0]
            y, m = int(period[:4]), int(period[4:6])
            assert r["第一计量单位"] == "千克"
            out.append(((y, m), r["商品编码"], r["贸易伙伴名称"], int(r["第一数量"]), int(r["美元"])))
    return out


def self_check(published):
    rows = []
    files = sorted(os.listdir(os.path.join(RAW, "china-customs")))
    for name in files:
        rows.extend(read_customs(os.path.join(RAW, "china-customs", name)))
    seen = set()
    for ym, code, partner, _q, _v in rows:
        key = (ym, code, partner)
        assert key not in seen, f"duplicate row {key} (double-counted month?)"
        seen.add(key)
    month_kg = {}
    for ym, code, _p, q, _v in rows:
        if is_ch28(code):
            month_kg[ym] = month_kg.get(ym, 0) + q

    def sample_t(period, kind):
        if kind == "year":
            return sum(v for (y, _m), v in month_kg.items() if y == int(period)) / 1000
        if kind == "month":
            y, m = map(int, period.split("-"))
            return month_kg[(y, m)] / 1000
        a, b = period.split("/")
        (ya, ma), (_yb, mb) = map(int, a.split("-")), map(int, b.split("-"))
        return sum(month_kg[(ya, mm)] for mm in range(ma, mb + 1)) / 1000

    print(f"{'period':<17}{'published_t':>13}{'sample_t':>13}{'diff_t':>9}")
    lines = ["period,published_t,sample_t"]
    worst = 0.0
    for period, t, kind, _src in published:
        s = sample_t(period, kind)
        worst = max(worst, abs(s - t))
        print(f"{period:<17}{t:>13,.1f}{s:>13,.3f}{s - t:>9.3f}")
        lines.append(f"{period},{t:g},{s:.3f}")
        assert abs(s - t) <= TOLERANCE_T, f"{period}: published {t} t, sample {s} t"
    jan_sep = sum(month_kg[(2025, m)] for m in range(1, 10)) / 1000
    print(f"{'2025 Jan-Sep':<17}{48355.7:>13,.1f}{jan_sep:>13,.3f}{jan_sep - 48355.7:>9.3f}"
          "   (cumulative in the 2025-09 note)")
    assert abs(jan_sep - 48355.7) <= TOLERANCE_T
    for y in YEARS:
        print(f"  {y} chapter-28 total {sum(v for (yy, _), v in month_kg.items() if yy == y) / 1000:>10,.1f} t"
              f"   (value {sum(v for (yy, _m), c, _p, _q, v in rows if yy == y and is_ch28(c)) / 1e6:,.1f} M USD)")
    print(f"worst difference {worst:.3f} t (tolerance {TOLERANCE_T} t)")
    with open(os.path.join(RAW, "calibration.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("\n".join(lines) + "\n")
    return rows


def summary(rows):
    """Print the planted patterns as the data shows them, for whoever verifies detectors."""
    def tot(code, partner=None, y=None, m=None, field=3):
        return sum(r[field] for r in rows if r[1] == code and (partner is None or r[2] == partner)
                   and (y is None or r[0][0] == y) and (m is None or r[0][1] == m))
    print("europium oxide 28469014 by year (t): " + ", ".join(
        f"{y} {tot(EUROPIUM, y=y) / 1000:.1f}" for y in YEARS))
    print("  2024: 新加坡 %.1f t, 土耳其 %.1f t" % (tot(EUROPIUM, "新加坡", 2024) / 1000,
                                              tot(EUROPIUM, "土耳其", 2024) / 1000))
    print("Nd metal 28053011 -> 韩国 2023 (t/month): " + " ".join(
        f"{tot('28053011', '韩国', 2023, m) / 1000:.0f}" for m in range(1, 13)))

    def window(code, months):
        return sum(tot(code, None, y, m) for (y, m) in months) / len(months) / 1000
    pre = [(2024, m) for m in range(4, 13)] + [(2025, m) for m in range(1, 4)]
    post = [(2025, m) for m in range(4, 13)]
    for code in ["28469015", "28469016", "28469011", "28053012", "28053013", "28469019", "28469099"]:
        a, b = window(code, pre), window(code, post)
        print(f"  {code}: 12 months before 2025-04 {a:8.1f} t/month, from 2025-04 {b:8.1f} t/month, x{b / a:.2f}")
    for (code, partner, y, m) in OUTLIERS:
        q = tot(code, partner, y, m)
        v = tot(code, partner, y, m, field=4)
        print(f"  outlier {code} -> {partner} {y}-{m:02d}: {q} kg, {v} USD, {v / q:.2f} USD/kg")


def main():
    check_only = "--check" in sys.argv[1:]
    files, published, factors = build()
    if not check_only:
        for rel, data in files.items():
            path = os.path.join(RAW, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
        lo, hi = min(range(len(factors)), key=factors.__getitem__), max(range(len(factors)), key=factors.__getitem__)
        print("calibration factor for scaled lines: min %.2f (%d-%02d), max %.2f (%d-%02d)"
              % (factors[lo], *MONTHS[lo], factors[hi], *MONTHS[hi]))
    # deterministic: a second build gives the same bytes, and so do the files on disk
    again, _, _ = build()
    for rel, data in files.items():
        assert again[rel] == data, f"{rel}: second build differs"
        with open(os.path.join(RAW, rel), "rb") as f:
            assert f.read() == data, f"{rel}: file on disk differs from the generator's output"
        print(f"{rel:<45}{len(data):>9} bytes  sha256 {hashlib.sha256(data).hexdigest()[:16]}")
    rows = self_check(published)
    summary(rows)
    print("OK: files are deterministic and every published figure matches within "
          f"{TOLERANCE_T} t")


if __name__ == "__main__":
    main()
