#!/usr/bin/env python3
"""Summarize a `make bench` results file as a Markdown table (used by run.sh).

    report.py RESULTS.tsv CHECKS.tsv [--quick 0|1] [--repeat N] [--sizes case=text]... [--logs DIR]

RESULTS.tsv rows: case, side, iter, wall_s, rss_kb, rc. Medians of wall time over
the successful runs, peak RSS = the maximum over runs. Exit status 1 when a target
fails or a TradeWatch case errors (run.sh ignores it unless BENCH_STRICT=1).
"""
import argparse
import csv
import os
import platform
import statistics
import sys

ap = argparse.ArgumentParser()
ap.add_argument("results")
ap.add_argument("checks")
ap.add_argument("--quick", default="0")
ap.add_argument("--repeat", default="3")
ap.add_argument("--sizes", action="append", default=[])
ap.add_argument("--logs", default="")
a = ap.parse_args()

runs = {}
with open(a.results) as f:
    for r in csv.DictReader(f, delimiter="\t"):
        runs.setdefault((r["case"], r["side"]), []).append(
            (float(r["wall_s"]), int(r["rss_kb"] or 0) / 1024.0, int(r["rc"]), float(r.get("cpu_s") or 0)))
sizes = dict(s.split("=", 1) for s in a.sizes)
checks = []
if os.path.exists(a.checks):
    with open(a.checks) as f:
        checks = [line.rstrip("\n").split("\t") for line in f if line.strip()]


class Side:
    def __init__(self, case, side):
        self.runs = runs.get((case, side), [])
        ok = [r for r in self.runs if r[2] == 0]
        self.present = bool(self.runs)
        self.error = any(r[2] != 0 for r in self.runs)
        self.rc = next((r[2] for r in self.runs if r[2] != 0), 0)
        self.median = statistics.median(r[0] for r in ok) if ok else None
        self.peak = max(r[1] for r in ok) if ok else None
        self.n = len(ok)
        self.cpu = statistics.median(r[3] for r in ok) if ok else None

    def c(self):
        return "n/a" if self.cpu is None else f"{self.cpu:.2f}"

    def t(self):
        if self.error and self.median is None:
            return f"error (rc={self.rc})"
        if self.median is None:
            return "n/a"
        return f"{self.median:.2f}" + ("" if not self.error else " (some runs failed)")

    def m(self):
        return "n/a" if self.peak is None else f"{self.peak:.1f}"


rows = []
cpu_rows = []
failed = False


def add(label, tw, ref, ratio_target=None, target_text="", abs_target=None, info=False, rss_target=None):
    """ratio = tw / ref (lower is better) checked against ratio_target; abs_target checks tw alone;
    rss_target (MB) checks tw's peak RSS as well."""
    global failed
    ratio = "—"
    verdict = "info" if info else "n/a"
    if tw.error and tw.median is None:
        verdict = "error"
        failed = failed or not info
    elif tw.median is not None:
        if ref is not None and ref.median:
            ratio = f"{tw.median / ref.median:.2f}"
        if abs_target is not None:
            ok = tw.median < abs_target
            verdict = "pass" if ok else "FAIL"
            failed = failed or not ok
        elif ratio_target is not None and ref is not None and ref.median:
            ok = tw.median / ref.median <= ratio_target
            verdict = "info" if info else ("pass" if ok else "FAIL")
            failed = failed or (not ok and not info)
    if rss_target is not None and tw.peak is not None and verdict in ("pass", "FAIL") and tw.peak > rss_target:
        verdict = "FAIL"
        failed = True
    cratio = "—"
    if ref is not None and tw.cpu and ref.cpu:
        cratio = f"{tw.cpu / ref.cpu:.2f}"
    cpu_rows.append([label, tw.c(), ref.c() if ref is not None else "—", cratio])
    rows.append([label, tw.t(), ref.t() if ref is not None else "—", ratio, tw.m(),
                 ref.m() if ref is not None else "—", target_text, verdict])


def have(case):
    return any(k[0] == case for k in runs)


if have("csv1m"):
    add(f"CSV load {sizes.get('csv1m', '')} vs sqlite3 .import + index", Side("csv1m", "tradewatch"),
        Side("csv1m", "reference"), 0.6, "ratio ≤ 0.6")
    if ("csv1m", "pandas") in runs:
        add(f"CSV load {sizes.get('csv1m', '')} vs pandas read_csv + to_sql", Side("csv1m", "tradewatch"),
            Side("csv1m", "pandas"), 1.0, "(pandas: ~700 MB per 2 M rows)", info=True)
if have("csv5m"):
    add(f"CSV load {sizes.get('csv5m', '')} vs sqlite3 .import + index", Side("csv5m", "tradewatch"),
        Side("csv5m", "reference"), 0.6, "ratio ≤ 0.6 (info at this size)", info=True)
if have("csv1m") and have("csv5m"):
    s1, s5 = Side("csv1m", "tradewatch"), Side("csv5m", "tradewatch")
    r1, r5 = Side("csv1m", "reference"), Side("csv5m", "reference")
    if s1.peak is not None and s5.peak is not None:
        ok = max(s1.peak, s5.peak) <= 64.0 and s5.peak <= s1.peak * 1.10 + 2.0
        verdict = "pass" if ok else "FAIL"
        failed = failed or not ok
    else:
        verdict = "error"
        failed = True
    ref_rss = f"{r1.m()} → {r5.m()}"
    tw_rss = f"{s1.m()} → {s5.m()}"
    rows.append([f"Peak RSS, CSV {sizes.get('csv1m', '').split(',')[0]} → {sizes.get('csv5m', '').split(',')[0]}",
                 "—", "—", "—", tw_rss, ref_rss, "≤ 64 MB, flat (5 M ≈ 1 M)", verdict])
if have("sdmx"):
    add(f"SDMX-ML parse + normalize (load --dry-run) {sizes.get('sdmx', '')} vs xmllint --stream --noout",
        Side("sdmx", "tradewatch"), Side("sdmx", "reference"), 1.0, "ratio ≤ 1.0 (≥ 1× xmllint)")
    if ("sdmx", "load") in runs:
        add(f"SDMX-ML full load {sizes.get('sdmx', '')} (+ warehouse insert, indexes) vs xmllint",
            Side("sdmx", "load"), Side("sdmx", "reference"), 1.0, "(info)", info=True)
if have("xlsx"):
    xref = Side("xlsx", "reference") if ("xlsx", "reference") in runs else None
    add(f"XLSX parse + normalize (load --dry-run) {sizes.get('xlsx', '')} vs openpyxl read-only",
        Side("xlsx", "tradewatch"), xref, 0.1, "ratio ≤ 0.1 (≥ 10× openpyxl)")
    if ("xlsx", "load") in runs:
        add(f"XLSX full load {sizes.get('xlsx', '')} (+ warehouse insert) vs openpyxl", Side("xlsx", "load"), xref,
            0.1, "(info)", info=True)
if have("rerun"):
    first = Side("rerun", "first-load")
    tw = Side("rerun", "tradewatch")
    if first.error:
        tw = first
    add(f"Rerun over unchanged Raw/ of {sizes.get('rerun', '')} (ref: first load)", tw, first,
        None, "< 2 s absolute", abs_target=2.0)
    rows[-1][3] = "—"
if have("revise"):
    first = Side("revise", "first-load")
    add(f"Load of a revised {sizes.get('revise', '')} file superseding every row (ref: its first load)",
        Side("revise", "tradewatch"), first, 1.0, "(info)", info=True)
if have("detect"):
    ld = Side("detect", "load")
    dt = Side("detect", "tradewatch")
    if ld.error and dt.median is None:
        dt = ld
    add(f"Detect over {sizes.get('detect', '')} (ref: tradewatch load of it)", dt, ld, 0.5,
        "ratio ≤ 0.5, peak RSS ≤ 256 MB", rss_target=256.0)
if have("dup80"):
    clean = Side("dup80", "clean") if ("dup80", "clean") in runs else Side("csv1m", "tradewatch")
    add(f"Load of {sizes.get('dup80', '')} with 80 % repeated keys (ref: the clean load of as many rows)",
        Side("dup80", "tradewatch"), clean, 1.5, "ratio ≤ 1.5, peak RSS ≤ 64 MB", rss_target=64.0)
if have("scale"):
    sl, sd = Side("scale", "load"), Side("scale", "detect")
    add(f"Scale: load of {sizes.get('scale', '')}", sl, None, None, "(info: compare with the 10 M detect case)", info=True)
    add(f"Scale: detect over {sizes.get('scale', '')} (ref: the load of it)", sd, sl, 1.0, "(info)", info=True)

head = ["case", "TradeWatch median s", "reference median s", "ratio", "TradeWatch peak RSS MB",
        "reference peak RSS MB", "target", "pass/fail"]
print()
if a.quick == "1":
    print("**BENCH_QUICK=1: inputs scaled down; the targets are for the full sizes and only indicative here.**\n")
print("| " + " | ".join(head) + " |")
print("|" + "|".join(["---"] + ["---:"] * 5 + ["---", "---"]) + "|")
for r in rows:
    print("| " + " | ".join(r) + " |")
print()
print("CPU seconds (user + sys, medians) — less sensitive than wall time to other load on a shared machine:\n")
print("| case | TradeWatch CPU s | reference CPU s | CPU ratio |")
print("|---|---:|---:|---:|")
for r in cpu_rows:
    print("| " + " | ".join(r) + " |")
print()
try:
    load = os.getloadavg()
    load_s = f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
    if load[1] > (os.cpu_count() or 1):
        load_s += " — **the machine was busy: wall times are inflated and ratios noisy; compare CPU seconds**"
except OSError:
    load_s = ""
print(f"Medians of {a.repeat} alternating runs per side (wall clock); peak RSS is the maximum over runs "
      f"(/usr/bin/time -v). {os.cpu_count()} CPUs, {platform.platform()}; {load_s}.")
for check in checks:
    case, n, expected = check[:3]
    what = check[3] if len(check) > 3 else f"rows in `trade` after the first TradeWatch load of `{case}`"
    print(f"- {what}: {n}" + (f" (rows in the input: {expected})" if expected not in ("-", "") else ""))
if a.logs:
    print(f"- logs of every run: `{a.logs}/`")
sys.exit(1 if failed else 0)
