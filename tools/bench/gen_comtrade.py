#!/usr/bin/env python3
"""Deterministic UN Comtrade bulk CSV generator for `make bench`.

    gen_comtrade.py N OUT [--year-start 2015] [--years 10] [--seed 20240601]

Writes N data rows (plus the 47-column header of docs/FORMATS.md section 2) to OUT.
Monthly data (freqCode M), periods YYYYMM from January of --year-start over
--years years, ~60 real Comtrade reporter/partner codes (with ISO3 and
descriptions), ~200 real HS6 codes (incl. 284690, 280530), flows X/M, totals
only (partner2Code 0, customsCode C00, motCode 0), qtyUnitCode 8 (kg).

Each file holds S = ceil(N / months) distinct series (reporter, partner, flow,
cmdCode); every series appears once per month, so (period, reporter, partner,
flow, cmdCode) is unique within a file. The series set depends only on S and
the seed: files generated with the same N and --years but different
--year-start have the same series over disjoint periods (used to build the
10 M-row warehouse from ten one-year files).

Standard library only; ~230 bytes per row; fast (one f-string per row, rows
written in per-month chunks).
"""
import argparse
import math
import random
import sys
import time

HEADER = ("typeCode,freqCode,refPeriodId,refYear,refMonth,period,reporterCode,reporterISO,reporterDesc,"
          "flowCode,flowDesc,partnerCode,partnerISO,partnerDesc,partner2Code,partner2ISO,partner2Desc,"
          "classificationCode,classificationSearchCode,isOriginalClassification,cmdCode,cmdDesc,aggrLevel,"
          "isLeaf,customsCode,customsDesc,mosCode,motCode,motDesc,qtyUnitCode,qtyUnitAbbr,qty,isQtyEstimated,"
          "altQtyUnitCode,altQtyUnitAbbr,altQty,isAltQtyEstimated,netWgt,isNetWgtEstimated,grossWgt,"
          "isGrossWgtEstimated,cifvalue,fobvalue,primaryValue,legacyEstimationFlag,isReported,isAggregate")
assert HEADER.count(",") == 46
HS6 = [
    ('280530', 'Earth-metals, rare; scandium and yttrium, whethe'),
    ('284610', 'Cerium compounds'),
    ('284690', 'Compounds, inorganic or organic (excluding ceriu'),
    ('850511', 'Magnets; permanent magnets and articles intended'),
    ('720299', 'Ferro-alloys; n.e.c. in heading no. 7202'),
    ('360690', 'Ferro-cerium and other pyrophoric alloys in all'),
    ('280461', 'Silicon; containing by weight not less than 99.9'),
    ('282590', 'Inorganic bases, metal oxides, hydroxides and pe'),
    ('261790', 'Ores and concentrates n.e.c. in chapter 26; othe'),
    ('811292', 'Gallium, germanium, indium, niobium (columbium)'),
    ('811299', 'Gallium, germanium, indium, niobium (columbium)'),
    ('720221', 'Ferro-alloys; ferro-silicon, containing by weigh'),
    ('260111', 'Iron ores and concentrates; non-agglomerated'),
    ('260112', 'Iron ores and concentrates; agglomerated (exclud'),
    ('260120', 'Iron pyrites; roasted'),
    ('260200', 'Manganese ores and concentrates, including ferru'),
    ('260300', 'Copper ores and concentrates'),
    ('260400', 'Nickel ores and concentrates'),
    ('260500', 'Cobalt ores and concentrates'),
    ('260600', 'Aluminium ores and concentrates'),
    ('260700', 'Lead ores and concentrates'),
    ('260800', 'Zinc ores and concentrates'),
    ('260900', 'Tin ores and concentrates'),
    ('261000', 'Chromium ores and concentrates'),
    ('261100', 'Tungsten ores and concentrates'),
    ('261210', 'Uranium ores and concentrates'),
    ('261220', 'Thorium ores and concentrates'),
    ('261310', 'Molybdenum ores and concentrates; roasted'),
    ('261390', 'Molybdenum ores and concentrates; other than roa'),
    ('261400', 'Titanium ores and concentrates'),
    ('261510', 'Zirconium ores and concentrates'),
    ('261590', 'Niobium, tantalum, vanadium ores and concentrate'),
    ('261610', 'Silver ores and concentrates'),
    ('261690', 'Precious metal ores and concentrates; (excluding'),
    ('261710', 'Antimony ores and concentrates'),
    ('261800', 'Slag, granulated (slag sand); from the manufactu'),
    ('261900', 'Slag, dross; (other than granulated slag), scali'),
    ('262011', 'Slag, ash and residues; (not from the manufactur'),
    ('262019', 'Slag, ash and residues; (not from the manufactur'),
    ('262021', 'Slag, ash and residues; (not from the manufactur'),
    ('262029', 'Slag, ash and residues; (not from the manufactur'),
    ('262030', 'Slag, ash and residues; (not from the manufactur'),
    ('262040', 'Slag, ash and residues; (not from the manufactur'),
    ('262060', 'Slag, ash and residues; (not from the manufactur'),
    ('262091', 'Slag, ash and residues; (not from the manufactur'),
    ('262099', 'Slag, ash and residues; (not from the manufactur'),
    ('262110', 'Slag and ash; ash and residues from the incinera'),
    ('262190', 'Slag and ash n.e.c. in chapter 26; including sea'),
    ('810110', 'Tungsten (wolfram); articles thereof, including'),
    ('810194', 'Tungsten (wolfram); unwrought, including bars an'),
    ('810196', 'Tungsten (wolfram); wire'),
    ('810197', 'Tungsten (wolfram); waste and scrap'),
    ('810199', 'Tungsten (wolfram); articles n.e.c. in heading n'),
    ('810210', 'Molybdenum; articles thereof, including waste an'),
    ('810294', 'Molybdenum; unwrought, including bars and rods o'),
    ('810295', 'Molybdenum; bars and rods, other than those obta'),
    ('810296', 'Molybdenum; wire'),
    ('810297', 'Molybdenum; waste and scrap'),
    ('810299', 'Molybdenum; articles n.e.c. in heading no. 8102'),
    ('810320', 'Tantalum; unwrought, including bars and rods obt'),
    ('810330', 'Tantalum; waste and scrap'),
    ('810391', 'Tantalum; crucibles'),
    ('810399', 'Tantalum; articles n.e.c. in heading no. 8103'),
    ('810411', 'Magnesium; unwrought, containing at least 99.8%'),
    ('810419', 'Magnesium; unwrought, containing less than 99.8%'),
    ('810420', 'Magnesium; waste and scrap'),
    ('810430', 'Magnesium; raspings, turnings and granules, grad'),
    ('810490', 'Magnesium; articles n.e.c. in heading no. 8104'),
    ('810520', 'Cobalt; mattes and other intermediate products o'),
    ('810530', 'Cobalt; waste and scrap'),
    ('810590', 'Cobalt; articles n.e.c. in heading no. 8105'),
    ('810610', 'Bismuth; articles thereof, including waste and s'),
    ('810690', 'Bismuth; including articles n.e.c. in heading 81'),
    ('810820', 'Titanium; unwrought, powders'),
    ('810830', 'Titanium; waste and scrap'),
    ('810890', 'Titanium; other than unwrought, n.e.c. in headin'),
    ('810921', 'Zirconium; unwrought, powders, containing less t'),
    ('810929', 'Zirconium; unwrought, powders, containing not le'),
    ('810931', 'Zirconium; waste and scrap, containing less than'),
    ('810939', 'Zirconium; waste and scrap, containing not less'),
    ('810991', 'Zirconium; other than unwrought, n.e.c. in headi'),
    ('810999', 'Zirconium; other than unwrought, n.e.c. in headi'),
    ('811010', 'Antimony and articles thereof; unwrought antimon'),
    ('811020', 'Antimony; waste and scrap'),
    ('811090', 'Antimony and articles thereof; wrought, other th'),
    ('811100', 'Manganese; articles thereof, including waste and'),
    ('811212', 'Beryllium and articles thereof; unwrought beryll'),
    ('811213', 'Beryllium; waste and scrap'),
    ('811219', 'Beryllium and articles thereof; wrought other th'),
    ('811221', 'Chromium and articles thereof; unwrought chromiu'),
    ('811222', 'Chromium; waste and scrap'),
    ('811229', 'Chromium and articles thereof; wrought other tha'),
    ('811231', 'Hafnium and articles thereof; unwrought, powders'),
    ('811239', 'Hafnium and articles thereof; wrought, other tha'),
    ('811241', 'Rhenium and articles thereof; unwrought, powders'),
    ('811249', 'Rhenium and articles thereof; wrought, other tha'),
    ('811251', 'Thallium and articles thereof; unwrought thalliu'),
    ('811252', 'Thallium; waste and scrap'),
    ('811259', 'Thallium and articles thereof; other than unwrou'),
    ('811261', 'Cadmium; waste and scrap'),
    ('811269', 'Cadmium; other than waste and scrap'),
    ('811300', 'Cermets; articles thereof, including waste and s'),
    ('280110', 'Chlorine'),
    ('280300', 'Carbon; carbon blacks and other forms of carbon'),
    ('280430', 'Nitrogen'),
    ('280469', 'Silicon; containing by weight less than 99.99% o'),
    ('280511', 'Alkali or alkali-earth metals; sodium'),
    ('280540', 'Mercury'),
    ('280800', 'Nitric acid; sulphonitric acids'),
    ('281111', 'Hydrogen fluoride (hydrofluoric acid)'),
    ('281122', 'Silicon dioxide'),
    ('281213', 'Phosphorus trichloride'),
    ('281217', 'Thionyl chloride'),
    ('281390', 'Sulphides of non-metals, (excluding carbon); com'),
    ('281512', 'Sodium hydroxide (caustic soda); in aqueous solu'),
    ('281640', 'Oxides, hydroxides and peroxides, of strontium o'),
    ('281830', 'Aluminium hydroxide'),
    ('282090', 'Manganese oxides; excluding manganese dioxide'),
    ('282300', 'Titanium oxides'),
    ('282520', 'Lithium oxide and hydroxide'),
    ('282560', 'Germanium oxides and zirconium dioxide'),
    ('282612', 'Fluorides; of aluminium'),
    ('282710', 'Chlorides; of ammonium'),
    ('282735', 'Chlorides; of nickel'),
    ('282751', 'Bromides; of sodium or of potassium'),
    ('282890', 'Hypochlorites; n.e.c. in heading no. 2828'),
    ('283010', 'Sulphides; of sodium, whether or not chemically'),
    ('283210', 'Sulphites; of sodium'),
    ('283319', 'Sodium sulphates; other than disodium sulphate'),
    ('283325', 'Sulphates; of copper'),
    ('283340', 'Peroxosulphates (persulphates)'),
    ('283510', 'Phosphinates (hypophosphites) and phosphonates ('),
    ('283526', 'Phosphates; of calcium n.e.c. in item no. 2835.2'),
    ('283620', 'Carbonates; disodium carbonate'),
    ('283660', 'Carbonates; barium carbonate'),
    ('283711', 'Cyanides and cyanide oxides; of sodium'),
    ('283919', 'Silicates; of sodium (excluding sodium metasilic'),
    ('284020', 'Borates; n.e.c. in heading no. 2840'),
    ('284161', 'Salts; of oxometallic or peroxometallic acids, m'),
    ('284190', 'Salts of oxometallic or peroxometallic acids; n.'),
    ('284321', 'Silver compounds; silver nitrates'),
    ('284410', 'Uranium; natural uranium and its compounds, allo'),
    ('284442', 'Radioactive elements; actinium-225, 227, califor'),
    ('284510', 'Heavy water (deuterium oxide)'),
    ('284590', 'Isotopes other than those of heading no. 2844, 2'),
    ('284910', 'Carbides; of calcium, whether or not chemically'),
    ('285210', 'Inorganic or organic compounds of mercury, exclu'),
    ('720110', 'Iron; non-alloy pig iron containing by weight 0.'),
    ('720229', 'Ferro-alloys; ferro-silicon, containing by weigh'),
    ('720270', 'Ferro-alloys; ferro-molybdenum'),
    ('720310', 'Ferrous products; obtained by direct reduction o'),
    ('720441', 'Ferrous waste and scrap; turnings, shavings, chi'),
    ('720610', 'Iron or non-alloy steel; ingots (excluding iron'),
    ('720810', 'Iron or non-alloy steel; in coils, flat-rolled'),
    ('720838', 'Iron or non-alloy steel; in coils, without patte'),
    ('720854', 'Iron or non-alloy steel; (not in coils), flat-ro'),
    ('720925', 'Iron or non-alloy steel; (not in coils), flat-ro'),
    ('721012', 'Iron or non-alloy steel; flat-rolled, width 600m'),
    ('721061', 'Iron or non-alloy steel; flat-rolled, width 600m'),
    ('721119', 'Iron or non-alloy steel; flat-rolled, hot-rolled'),
    ('721230', 'Iron or non-alloy steel; flat-rolled, width less'),
    ('721391', 'Iron or non-alloy steel; bars and rods, hot-roll'),
    ('721499', 'Iron or non-alloy steel; bars and rods, hot-roll'),
    ('721622', 'Iron or non-alloy steel; T sections, hot-rolled'),
    ('721661', 'Iron or non-alloy steel; angles, shapes and sect'),
    ('721730', 'Iron or non-alloy steel; wire, plated or coated'),
    ('721912', 'Steel, stainless; flat-rolled, width 600mm or mo'),
    ('721924', 'Steel, stainless; flat-rolled, width 600mm or mo'),
    ('721990', 'Steel, stainless; flat-rolled, width 600mm or mo'),
    ('722211', 'Steel, stainless; bars and rods, hot-rolled, hot'),
    ('722410', 'Steel, alloy; ingots and other primary forms'),
    ('722550', 'Steel, alloy; flat-rolled, width 600mm or more'),
    ('722620', 'Steel, alloy; flat-rolled, width less than 600mm'),
    ('722790', 'Steel, alloy; bars and rods, hot-rolled, in irre'),
    ('722860', 'Steel, alloy; bars and rods n.e.c. in heading no'),
    ('850110', 'Electric motors; of an output not exceeding 37.5'),
    ('850161', 'Generators; AC generators, (alternators), other'),
    ('850220', 'Electric generating sets; with spark-ignition in'),
    ('850432', 'Transformers; n.e.c. in item no. 8504.2, having'),
    ('850610', 'Cells and batteries; primary, manganese dioxide'),
    ('850750', 'Electric accumulators; nickel-metal hydride, inc'),
    ('850990', 'Electro-mechanical domestic appliances; parts fo'),
    ('851180', 'Ignition or starting equipment; n.e.c. in headin'),
    ('851419', 'Furnaces and ovens; electric, for industrial or'),
    ('851529', 'Welding machines and apparatus; for resistance w'),
    ('851633', 'Hand-drying apparatus; electro-thermic'),
    ('851713', 'Telephone sets; smartphones for cellular or othe'),
    ('851822', 'Loudspeakers; multiple, mounted in the same encl'),
    ('852110', 'Video recording or reproducing apparatus; magnet'),
    ('852359', 'Semiconductor media; other than smart cards, whe'),
    ('852581', 'Television cameras, digital cameras and video ca'),
    ('852721', 'Radio-broadcast receivers not capable of operati'),
    ('852869', 'Projectors; n.e.c. in subheading 8528.62, whethe'),
    ('853120', 'Signalling apparatus; electric, sound or visual'),
    ('853230', 'Electrical capacitors; variable or adjustable (p'),
    ('853510', 'Electrical apparatus; fuses, for a voltage excee'),
    ('853649', 'Electrical apparatus; relays, for a voltage exce'),
    ('853910', 'Lamps; sealed beam units'),
    ('853952', 'Lamps; light-emitting diode (LED) light sources'),
    ('854089', 'Valves and tubes; n.e.c. in heading no. 8540'),
]
COUNTRIES = [  # (Comtrade code, ISO3, description)
    (156, 'CHN', 'China'),
    (842, 'USA', 'United States'),
    (392, 'JPN', 'Japan'),
    (276, 'DEU', 'Germany'),
    (410, 'KOR', 'Korea, Republic of'),
    (251, 'FRA', 'France'),
    (826, 'GBR', 'United Kingdom'),
    (380, 'ITA', 'Italy'),
    (528, 'NLD', 'Netherlands'),
    (56, 'BEL', 'Belgium'),
    (699, 'IND', 'India'),
    (490, 'TWN', 'Other Asia, nes'),
    (702, 'SGP', 'Singapore'),
    (458, 'MYS', 'Malaysia'),
    (764, 'THA', 'Thailand'),
    (704, 'VNM', 'Viet Nam'),
    (360, 'IDN', 'Indonesia'),
    (608, 'PHL', 'Philippines'),
    (36, 'AUS', 'Australia'),
    (554, 'NZL', 'New Zealand'),
    (124, 'CAN', 'Canada'),
    (484, 'MEX', 'Mexico'),
    (76, 'BRA', 'Brazil'),
    (152, 'CHL', 'Chile'),
    (32, 'ARG', 'Argentina'),
    (604, 'PER', 'Peru'),
    (710, 'ZAF', 'South Africa'),
    (643, 'RUS', 'Russian Federation'),
    (398, 'KAZ', 'Kazakhstan'),
    (860, 'UZB', 'Uzbekistan'),
    (792, 'TUR', 'Türkiye'),
    (376, 'ISR', 'Israel'),
    (682, 'SAU', 'Saudi Arabia'),
    (784, 'ARE', 'United Arab Emirates'),
    (364, 'IRN', 'Iran, Islamic Republic of'),
    (586, 'PAK', 'Pakistan'),
    (50, 'BGD', 'Bangladesh'),
    (144, 'LKA', 'Sri Lanka'),
    (104, 'MMR', 'Myanmar'),
    (418, 'LAO', "Lao People's Democratic Republic"),
    (116, 'KHM', 'Cambodia'),
    (496, 'MNG', 'Mongolia'),
    (344, 'HKG', 'Hong Kong'),
    (446, 'MAC', 'Macao'),
    (40, 'AUT', 'Austria'),
    (757, 'CHE', 'Switzerland'),
    (752, 'SWE', 'Sweden'),
    (579, 'NOR', 'Norway'),
    (246, 'FIN', 'Finland'),
    (208, 'DNK', 'Denmark'),
    (616, 'POL', 'Poland'),
    (203, 'CZE', 'Czechia'),
    (724, 'ESP', 'Spain'),
    (620, 'PRT', 'Portugal'),
    (348, 'HUN', 'Hungary'),
    (642, 'ROU', 'Romania'),
    (233, 'EST', 'Estonia'),
    (804, 'UKR', 'Ukraine'),
    (818, 'EGY', 'Egypt'),
    (504, 'MAR', 'Morocco'),
]

WORLD = (0, "W00", "World")
DESC_LEN = 14


def csv_field(s):
    return '"' + s.replace('"', '""') + '"' if ("," in s or '"' in s) else s


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("rows", type=int)
    ap.add_argument("out")
    ap.add_argument("--year-start", type=int, default=2015)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--seed", type=int, default=20240601)
    a = ap.parse_args(argv)
    t0 = time.time()
    n = a.rows
    months = [(y, m) for y in range(a.year_start, a.year_start + a.years) for m in range(1, 13)]
    n_series = max(1, math.ceil(n / len(months)))
    rng = random.Random(a.seed)

    partners = COUNTRIES + [WORLD]
    max_series = len(COUNTRIES) * len(COUNTRIES) * 2 * len(HS6)
    if n_series > max_series:
        sys.exit(f"too many series requested ({n_series} > {max_series}); add years")
    chosen = set()
    while len(chosen) < n_series:
        r = rng.randrange(len(COUNTRIES))
        p = rng.randrange(len(partners))
        if p == r:
            continue
        chosen.add((r, rng.randrange(2), p, rng.randrange(len(HS6))))
    series = []
    for (r, f, p, c) in sorted(chosen):
        rc, riso, rdesc = COUNTRIES[r]
        pc, piso, pdesc = partners[p]
        code, desc = HS6[c]
        desc = desc[:DESC_LEN].rstrip(' ,;(')              # keeps rows ~227 bytes
        flow, flowdesc = ("M", "Import") if f == 0 else ("X", "Export")
        # reporterCode .. qtyUnitAbbr (constant per series), ends before qty
        mid = (f"{rc},{riso},{csv_field(rdesc)},{flow},{flowdesc},{pc},{piso},{csv_field(pdesc)},"
               f"0,W00,World,H5,HS,True,{code},{csv_field(desc)},6,True,C00,TOTAL CPC,0,0,TOTAL MOT,8,kg,")
        base = math.exp(rng.gauss(9.0, 2.2))            # kg per month, lognormal
        uv = math.exp(rng.gauss(3.0, 1.2))              # USD per kg
        trend = rng.gauss(0.0, 0.004)                   # per month, log
        series.append((mid, base, uv, trend, f == 0))

    # Cheap per-row noise: a fixed table walked with a co-prime stride.
    noise = [math.exp(rng.gauss(0.0, 0.25)) for _ in range(65521)]
    season = [1.0, 0.72, 1.02, 1.03, 1.05, 1.04, 0.98, 0.97, 1.02, 1.04, 1.03, 1.08]  # Feb lunar-new-year dip

    out = open(a.out, "w", encoding="utf-8", newline="", buffering=1 << 22)
    out.write(HEADER + "\n")
    written = 0
    k = 0
    for mi, (y, m) in enumerate(months):
        if written >= n:
            break
        take = min(n_series, n - written)
        head = f"C,M,{y}{m:02d}01,{y},{m},{y}{m:02d},"
        sm = season[m - 1]
        buf = []
        app = buf.append
        for si in range(take):
            mid, base, uv, trend, imp = series[si]
            k = (k + 7919) % 65521
            q = base * sm * noise[k] * math.exp(trend * mi) if trend else base * sm * noise[k]
            if k % 4999 == 0:
                q *= 15.0                                    # occasional spike for the detectors
            v = q * uv * noise[(k * 3) % 65521]
            if imp:
                app(f"{head}{mid}{q:.0f},False,-1,,0.0,False,{q:.0f},False,0.0,False,{v:.0f},,{v:.0f},0,True,False\n")
            else:
                app(f"{head}{mid}{q:.0f},False,-1,,0.0,False,{q:.0f},False,0.0,False,,{v:.0f},{v:.0f},0,True,False\n")
        out.write("".join(buf))
        written += take
    out.close()
    print(f"gen_comtrade: {written} rows, {n_series} series, {len(months)} months -> {a.out} "
          f"({time.time() - t0:.1f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
