import ArgumentParser
import TradeCore
import TradeRunner
import TradeAnalysis

extension TradeWatchCommand {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Extract → normalize → load → detect → report (the cron entry point).")
        @OptionGroup var common: CommonOptions
        @Option(help: "Directory for the HTML/Markdown/JSON reports.")
        var reports = "Warehouse/reports"
        @Flag(help: "Wait for another run's lock instead of exiting 3.")
        var wait = false
        @Option(help: "Exit 4 when a finding has at least this severity (low, medium, high).")
        var failOn: Anomaly.Severity?
        @Flag(inversion: .prefixedNo,
              help: "Print the top findings before the summary line (default: only on a terminal; cron gets one line).")
        var summary: Bool?
        @Flag(help: "Fetch what the sources with a fetch: block released since the last fetch, then load.")
        var fetch = false

        func run() throws {
            var options = common.runOptions(reports: reports, wait: wait, failOn: failOn)
            options.fetchFirst = fetch
            let pipeline = CommandRunner(options: options, logger: common.makeLogger())
            try finish(try pipeline.run(), summary: summary, format: common.logFormat)
        }
    }

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download what the sources with a fetch: block released since the last fetch into the raw directory.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Fetch only this source (its name:).")
        var source: String?
        @Flag(help: "Wait for another run's lock instead of exiting 3.")
        var wait = false
        @Flag(help: "Print the calls it would make (one GET line each); call nothing, write nothing.")
        var dryRun = false

        func run() throws {
            var options = common.runOptions(wait: wait)
            options.fetchSource = source
            try finish(try CommandRunner(options: options, logger: common.makeLogger()).fetch(dryRun: dryRun),
                       summary: true, format: common.logFormat)
        }
    }

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or migrate the warehouse and load the reference tables.")
        @OptionGroup var common: CommonOptions

        func run() throws {
            try finish(try CommandRunner(options: common.runOptions(), logger: common.makeLogger()).initialize(), format: common.logFormat)
        }
    }

    struct Load: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Extract, normalize and load new or changed raw files (no detection).",
            aliases: ["extract"])
        @OptionGroup var common: CommonOptions
        @Flag(help: "Wait for another run's lock instead of exiting 3.")
        var wait = false
        @Flag(help: ArgumentHelp(
            "Extract and normalize every new or changed file and print per-file counts of rows that would load and be rejected; write nothing.",
            discussion: "An existing warehouse is opened read-only to skip files it already holds; a missing one is not created."))
        var dryRun = false

        func run() throws {
            let pipeline = CommandRunner(options: common.runOptions(wait: wait), logger: common.makeLogger())
            if dryRun {
                try finish(try pipeline.dryRun(), summary: true, format: common.logFormat)
            } else {
                try finish(try pipeline.load(), format: common.logFormat)
            }
        }
    }

    struct Detect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the anomaly detectors over the warehouse.")
        @OptionGroup var common: CommonOptions
        @Flag(help: "Wait for another run's lock instead of exiting 3.")
        var wait = false
        @Option(help: "Exit 4 when a finding has at least this severity.")
        var failOn: Anomaly.Severity?

        func run() throws {
            try finish(try CommandRunner(options: common.runOptions(wait: wait, failOn: failOn),
                                    logger: common.makeLogger()).detect(), format: common.logFormat)
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the HTML, Markdown and JSON reports.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Directory for the reports.")
        var reports = "Warehouse/reports"
        @Option(help: "Only findings ending in or after this period (YYYY-MM or YYYY).")
        var since: String?
        @Option(help: "Only findings of at least this severity.")
        var minSeverity: Anomaly.Severity?
        @Option(help: "Only this detector (repeatable; volume_spike, new_partner, mirror_gap, …).")
        var detector: [String] = []
        @Option(help: ArgumentHelp("Write the report to this file (.html, .md or .json) instead of the reports directory.",
                                   discussion: "A filtered report (--since, --min-severity, --detector) goes to stdout as Markdown without it; it never replaces a run's own run-N.* or latest.* files.",
                                   valueName: "file"))
        var output: String?

        func validate() throws {
            if let since, Period(since) == nil {
                throw ValidationError("--since takes YYYY-MM or YYYY, not \(since)")
            }
        }

        func run() throws {
            let filter = ReportFilter(since: since.flatMap { Period($0) }, minSeverity: minSeverity ?? .low,
                                      detectors: detector.isEmpty ? nil : Set(detector))
            try finish(try CommandRunner(options: common.runOptions(reports: reports), logger: common.makeLogger())
                .report(filter: filter, output: output), format: common.logFormat)
        }
    }
}
