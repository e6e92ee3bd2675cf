#!/usr/bin/env python3
"""Checks every target's imports against Package.swift and the module layering.

Usage: lint_imports.py MANIFEST.json [ROOT]      check the package at ROOT (default: .)
       lint_imports.py --self-test MANIFEST.json  plant bad imports in a copy; every one must fail

MANIFEST.json is the output of `swift package dump-package` (tools/lint-imports.sh makes it).
The allowed imports of a target are the dependencies Package.swift declares for it; the
layering (docs/ARCHITECTURE.md, "Modules") adds what a declaration alone cannot say:

  * a library module imports only modules of a lower layer (same-layer modules never import
    each other), and Package.swift declares only such dependencies;
  * only TradeWarehouse imports GRDB, only TradeConfig imports Yams, only TradeFetch imports
    AsyncHTTPClient and NIO, only the executable imports ArgumentParser; TradeIngest and
    TradeFetch do not import TradeWarehouse (readers and fetchers never touch the database);
  * every import is declared, and every declared dependency is imported somewhere.

Test targets and test support (anything under Tests/) follow the first and last rule only.
The compiler's own check misses transitive imports on Linux, so this reads the import lines.
"""
import json
import os
import re
import shutil
import sys
import tempfile

# The layer of each library module and the executable: imports go only to a lower layer.
LAYERS = {
    "TradeCore": 0,
    "TradeConfig": 1, "TradeWarehouse": 1,
    "TradeIngest": 2, "TradeFetch": 2, "TradeAnalysis": 2,
    "TradeRunner": 3,
    "tradewatch": 4,
}
# Third-party modules that exactly one target may use.
OWNERS = {
    "GRDB": "TradeWarehouse", "GRDBSQLite": "TradeWarehouse",
    "Yams": "TradeConfig",
    "ArgumentParser": "tradewatch",
    "AsyncHTTPClient": "TradeFetch", "NIOCore": "TradeFetch", "NIOHTTP1": "TradeFetch", "NIOPosix": "TradeFetch",
}
# Lower-layer modules a module still may not use, and why.
APART = {
    ("TradeIngest", "TradeWarehouse"): "readers never touch the database",
    ("TradeFetch", "TradeWarehouse"): "fetchers keep their state through FetchState, never the database",
}
# The toolchain's own modules: no declaration needed, no layer.
PLATFORM = {"Swift", "_Concurrency", "Foundation", "FoundationEssentials", "Dispatch",
            "Glibc", "Musl", "Darwin", "Synchronization"}
TEST_PLATFORM = {"Testing", "XCTest"}

IMPORT = re.compile(
    r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?"
    r"import\s+(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?([A-Za-z_][A-Za-z_0-9]*)")


def declared_modules(target):
    """Module names of a target's declared dependencies (a product is taken to name its module)."""
    names = set()
    for dependency in target["dependencies"]:
        for kind in ("byName", "target", "product"):
            if kind in dependency:
                names.add(dependency[kind][0])
    return names


def target_path(target):
    if target.get("path"):
        return target["path"]
    return os.path.join("Tests" if target["type"] == "test" else "Sources", target["name"])


def imports(path):
    """(file, line, module) for each import statement outside comments and multi-line strings."""
    in_string = False
    in_comment = False
    with open(path, encoding="utf-8") as source:
        for number, line in enumerate(source, 1):
            if in_string:
                in_string = line.count('"""') % 2 == 0
                continue
            if in_comment:
                in_comment = "*/" not in line
                continue
            match = IMPORT.match(line)
            if match:
                yield number, match.group(1)
            elif line.count('"""') % 2 == 1:
                in_string = True
            elif line.lstrip().startswith("/*") and "*/" not in line:
                in_comment = True


def swift_files(root, directory):
    for folder, _, files in sorted(os.walk(os.path.join(root, directory))):
        for name in sorted(files):
            if name.endswith(".swift"):
                yield os.path.join(folder, name)


def lint(manifest, root):
    """The problems found, one `path:line: error: …` string each (empty: the package is clean)."""
    errors = []
    targets = [t for t in manifest["targets"] if t["type"] in ("regular", "executable", "test")]
    for target in targets:
        name = target["name"]
        directory = target_path(target)
        layered = not directory.startswith("Tests")
        declared = declared_modules(target)
        allowed = declared | PLATFORM | (set() if layered else TEST_PLATFORM)
        where = "Package.swift"
        if layered and name not in LAYERS:
            errors.append(f"{where}: error: target {name} has no layer in tools/lint_imports.py (LAYERS)")
            continue
        for module in sorted(declared):
            if layered and module in LAYERS and LAYERS[module] >= LAYERS[name]:
                errors.append(f"{where}: error: {name} (layer {LAYERS[name]}) may not depend on "
                              f"{module} (layer {LAYERS[module]}): dependencies go only to a lower layer")
            if layered and OWNERS.get(module, name) != name:
                errors.append(f"{where}: error: {name} may not depend on {module} (only {OWNERS[module]} does)")
            if (name, module) in APART:
                errors.append(f"{where}: error: {name} may not depend on {module} ({APART[(name, module)]})")
        used = set()
        for path in swift_files(root, directory):
            shown = os.path.relpath(path, root)
            for line, module in imports(path):
                used.add(module)
                if module == name:
                    continue
                if module not in allowed:
                    errors.append(f"{shown}:{line}: error: {name} imports {module}, which Package.swift "
                                  f"does not declare as a dependency of {name}")
                elif layered and OWNERS.get(module, name) != name:
                    errors.append(f"{shown}:{line}: error: {name} may not import {module} (only {OWNERS[module]} does)")
                elif layered and module in LAYERS and LAYERS[module] >= LAYERS[name]:
                    errors.append(f"{shown}:{line}: error: {name} (layer {LAYERS[name]}) may not import "
                                  f"{module} (layer {LAYERS[module]})")
                elif (name, module) in APART:
                    errors.append(f"{shown}:{line}: error: {name} may not import {module} ({APART[(name, module)]})")
        for module in sorted(declared - used):
            errors.append(f"{where}: error: {name} declares a dependency on {module} but never imports it")
    return errors


def plant(root, file, line):
    """Adds `line` at the top of `file` (relative to root) in the copy."""
    path = os.path.join(root, file)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    with open(path, "w", encoding="utf-8") as f:
        f.write(line + "\n" + text)


def target_named(manifest, name):
    return next(t for t in manifest["targets"] if t["name"] == name)


def self_test(manifest):
    """Each planted mistake must be reported, with the expected words; the clean copy must pass."""
    def first_swift(root, directory):
        return os.path.relpath(next(swift_files(root, directory)), root)

    cases = [
        ("an import of GRDB outside TradeWarehouse",
         lambda root, m: plant(root, first_swift(root, "Sources/TradeAnalysis"), "import GRDB"),
         "TradeAnalysis imports GRDB, which Package.swift does not declare"),
        ("a same-layer import (declared, so only the layering refuses it)",
         lambda root, m: (plant(root, first_swift(root, "Sources/TradeIngest"), "import TradeAnalysis"),
                          target_named(m, "TradeIngest")["dependencies"].append({"byName": ["TradeAnalysis", None]})),
         "TradeIngest (layer 2) may not import TradeAnalysis (layer 2)"),
        ("a reader importing the warehouse (declared)",
         lambda root, m: (plant(root, first_swift(root, "Sources/TradeIngest"), "import TradeWarehouse"),
                          target_named(m, "TradeIngest")["dependencies"].append({"byName": ["TradeWarehouse", None]})),
         "TradeIngest may not import TradeWarehouse (readers never touch the database)"),
        ("an upward import",
         lambda root, m: plant(root, first_swift(root, "Sources/TradeCore"), "@testable import TradeRunner"),
         "TradeCore imports TradeRunner, which Package.swift does not declare"),
        ("Yams declared outside TradeConfig",
         lambda root, m: (plant(root, first_swift(root, "Sources/TradeIngest"), "import Yams"),
                          target_named(m, "TradeIngest")["dependencies"].append({"byName": ["Yams", None]})),
         "TradeIngest may not import Yams (only TradeConfig does)"),
        ("the HTTP client declared outside TradeFetch",
         lambda root, m: (plant(root, first_swift(root, "Sources/TradeIngest"), "import AsyncHTTPClient"),
                          target_named(m, "TradeIngest")["dependencies"].append({"product": ["AsyncHTTPClient", "async-http-client", None, None]})),
         "TradeIngest may not import AsyncHTTPClient (only TradeFetch does)"),
        ("a fetcher importing the warehouse (declared)",
         lambda root, m: (plant(root, first_swift(root, "Sources/TradeFetch"), "import TradeWarehouse"),
                          target_named(m, "TradeFetch")["dependencies"].append({"byName": ["TradeWarehouse", None]})),
         "TradeFetch may not import TradeWarehouse (fetchers keep their state"),
        ("ArgumentParser in the runner",
         lambda root, m: plant(root, first_swift(root, "Sources/TradeRunner"), "public import ArgumentParser"),
         "TradeRunner imports ArgumentParser"),
        ("a dependency declared and never imported",
         lambda root, m: target_named(m, "TradeCore")["dependencies"].append(
             {"product": ["Logging", "swift-log", None, None]}),
         "TradeCore declares a dependency on Logging but never imports it"),
        ("an undeclared import in a test target",
         lambda root, m: plant(root, first_swift(root, "Tests/TradeCoreTests"), "import TradeIngest"),
         "TradeCoreTests imports TradeIngest, which Package.swift does not declare"),
    ]
    failures = 0
    with tempfile.TemporaryDirectory() as scratch:
        clean = os.path.join(scratch, "clean")
        for directory in ("Sources", "Tests"):
            shutil.copytree(directory, os.path.join(clean, directory), ignore=shutil.ignore_patterns("Fixtures"))
        problems = lint(manifest, clean)
        if problems:
            print("lint-imports self-test: the unchanged package does not pass:\n" + "\n".join(problems))
            return 1
        for i, (what, mistake, expected) in enumerate(cases):
            root = os.path.join(scratch, f"case{i}")
            shutil.copytree(clean, root)
            planted = json.loads(json.dumps(manifest))
            mistake(root, planted)
            problems = lint(planted, root)
            if not any(expected in p for p in problems):
                failures += 1
                print(f"lint-imports self-test: {what} was not reported as “{expected}”; got: {problems or 'nothing'}")
    print(f"lint-imports self-test: {len(cases) - failures} of {len(cases)} planted mistakes reported")
    return 1 if failures else 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "--self-test":
        with open(argv[2], encoding="utf-8") as f:
            return self_test(json.load(f))
    with open(argv[1], encoding="utf-8") as f:
        manifest = json.load(f)
    problems = lint(manifest, argv[2] if len(argv) > 2 else ".")
    for problem in problems:
        print(problem)
    if not problems:
        print("lint-imports: every import declared in Package.swift, layering ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
