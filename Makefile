# TradeWatch — `make run` sets up and runs the pipeline on Raw/; `make test` proves it.
SWIFT      ?= $(shell command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
RELEASE_BIN = .build/release/tradewatch
DEBS        = libsqlite3-dev libxml2-dev zlib1g-dev pkg-config sqlite3 libxml2-utils python3
export PATH := /opt/swift/usr/bin:$(PATH)

.PHONY: all deps deps-chromium build build-release run test lint-imports bench fuzz sanitize clean report-png

all: build

## Install the Debian packages the build needs, only when one is missing.
deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

## Headless Chromium and CJK fonts, for the report render test and `make report-png`; only when missing.
deps-chromium:
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then :; else \
	  echo "installing: chromium fonts-noto-cjk"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk; \
	fi

build: deps
	$(SWIFT) build

build-release: deps
	$(SWIFT) build -c release --product tradewatch

## Build in release mode and run the whole pipeline on the sample in Raw/.
run: build-release
	$(RELEASE_BIN) run --summary

## The report render test (ReportChromiumTests) needs Chromium: installed here when missing.
test: deps deps-chromium lint-imports
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## Every import declared in Package.swift, and the module layering of docs/ARCHITECTURE.md
## (imports only go down a layer); then proves the check fails on planted bad imports.
lint-imports: deps
	@sh tools/lint-imports.sh
	@sh tools/lint-imports.sh --self-test

clean:
	rm -rf .build .build-asan Warehouse/*.sqlite* Warehouse/reports

## Benchmarks (not tests): TradeWatch vs sqlite3 .import, xmllint --stream, openpyxl, pandas.
## BENCH_QUICK=1 for a small smoke run; see tools/bench/README.md.
bench: deps
	bash tools/bench/run.sh

## Render the latest HTML report to PNG with headless Chromium, to look at it: at 1280 px (a
## desktop) and 400 px (a phone) wide.
report-png: deps-chromium
	sh tools/render-report.sh Warehouse/reports/latest.html Warehouse/reports/latest.png 1280 6000
	sh tools/render-report.sh Warehouse/reports/latest.html Warehouse/reports/latest-phone.png 400 9000

## Fuzz the CSV reader, the China customs normalizer, the number grammar (Comtrade and China customs) and
## mutated XML through libxml2's callbacks for FUZZ_SECONDS (default 300), every other round under
## AddressSanitizer (FUZZ_ASAN=0: never); see tools/fuzz/run.sh.
fuzz: deps
	bash tools/fuzz/run.sh

## A short AddressSanitizer pass (build in .build-asan, then the fuzz and hostile-input tests once,
## within SANITIZE_SECONDS, default 2400): the C boundaries (libxml2 callbacks, sqlite3 binds, iconv).
sanitize: deps
	bash tools/fuzz/run.sh --short
