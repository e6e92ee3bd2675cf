import Foundation
import Testing
import TradeCore
import TradeTestSupport
@testable import TradeConfig

private let fixtures = (Bundle.module.resourceURL ?? Bundle.module.bundleURL).appendingPathComponent("Fixtures")

private func loadBroken(_ name: String) -> Diagnostic? {
    diagnostic { _ = try DefinitionLoader.loadSource(file: fixtures.appendingPathComponent("broken/\(name)"), display: "Pipelines/\(name)") }
}

@Test func loadsEveryDefinitionExceptDetectors() throws {
    let defs = try DefinitionLoader.loadSources(directory: fixtures.appendingPathComponent("good"), displayDirectory: "Pipelines")
    #expect(defs.map(\.name) == ["china-customs", "usgs-world"])
    let china = defs[0]
    #expect(china.definitionFile == "Pipelines/china-customs.yaml")
    #expect(china.format == .chinaCustomsCSV)
    #expect(china.patterns == ["china-customs/*.csv", "china-customs/**/*.csv"])
    #expect(china.encoding == "gb18030")
    #expect(china.columns["partner"] == ["贸易伙伴名称", "国家"])
    #expect(china.columns["value_usd"] == ["美元"])
    #expect(china.constants == ["reporter": "CHN", "flow": "export"])
    #expect(china.cumulative)
    #expect(china.options["sum_over"]?.list?.map(\.string) == ["trade_mode", "region"])
    #expect(china.options["header_row"]?.string == "1")
    #expect(china.options["header_row"]?.location == SourceLocation(file: "Pipelines/china-customs.yaml", line: 16, column: 15))
    #expect(china.location(of: "files") == SourceLocation(file: "Pipelines/china-customs.yaml", line: 3, column: 1))
    #expect(china.keyLocations["files.1"] == SourceLocation(file: "Pipelines/china-customs.yaml", line: 5, column: 5))
    #expect(china.location(of: "constants.flow") == SourceLocation(file: "Pipelines/china-customs.yaml", line: 12, column: 9))
    let usgs = defs[1]
    #expect(usgs.patterns == ["usgs-mcs/*_world.csv"])
    #expect(usgs.encoding == "auto")
    #expect(!usgs.cumulative)
}

@Test(arguments: [
    ("bad-format.yaml", 1, 9, "unknown format \"csvv\" (expected one of: china-customs-csv"),
    ("unknown-key.yaml", 3, 1, "unknown key \"column\" (expected one of:"),
    ("missing-files.yaml", 2, 1, "missing required key \"files\""),
    ("wrong-bool.yaml", 3, 13, "cumulative must be true or false, found \"maybe\""),
    ("files-map.yaml", 3, 3, "files must be a value or a list of values, found a mapping"),
    ("format-list.yaml", 1, 9, "format must be a single value, found a list"),
    ("bad-encoding.yaml", 3, 11, "unknown encoding \"latin-1\""),
])
func brokenDefinitionIsLocated(file: String, line: Int, column: Int, message: String) {
    let d = loadBroken(file)
    #expect(d?.location == SourceLocation(file: "Pipelines/\(file)", line: line, column: column))
    #expect(d?.message.hasPrefix(message) == true, "\(String(describing: d))")
}

@Test func yamlSyntaxErrorCarriesYamsLineAndColumn() throws {
    let d = try #require(loadBroken("bad-syntax.yaml"))
    #expect(d.location?.file == "Pipelines/bad-syntax.yaml")
    #expect(d.location?.line == 3)
    #expect(d.location?.column == 9)
    #expect(d.message.hasPrefix("YAML syntax:"))
    #expect(d.description.hasPrefix("Pipelines/bad-syntax.yaml:3:9: error: YAML syntax:"))
}

@Test func duplicateKeyIsLocated() throws {
    let d = try #require(loadBroken("duplicate.yaml"))
    #expect(d.message.contains("duplicate key \"format\""))
    #expect(d.location?.line == 1)
}

@Test func emptyFileIsAnError() {
    #expect(throws: Diagnostic.self) { try DefinitionLoader.parseSource(yaml: "", display: "Pipelines/empty.yaml") }
    #expect(throws: Diagnostic.self) { try DefinitionLoader.parseSource(yaml: "- a\n- b\n", display: "Pipelines/list.yaml") }
}

@Test func nameDefaultsToFileBaseName() throws {
    let d = try DefinitionLoader.parseSource(yaml: "format: sdmx\nfiles: sdmx/*.xml\n", display: "Pipelines/ecb-fx.yaml")
    #expect(d.name == "ecb-fx")
    #expect(d.patterns == ["sdmx/*.xml"])
}

@Test func detectorThresholdsKeepLocations() throws {
    let t = try DefinitionLoader.loadDetectorThresholds(file: fixtures.appendingPathComponent("good/detectors.yaml"),
                                                      display: "Pipelines/detectors.yaml")
    #expect(t["volume_spike"]?["min_tonnes"]?.value == 5)
    #expect(t["volume_spike"]?["mad_k"]?.value == 4.5)
    #expect(t["volume_spike"]?["mad_k"]?.location == SourceLocation(file: "Pipelines/detectors.yaml", line: 3, column: 10))
}

@Test func detectorThresholdThatIsNotANumberIsLocated() {
    do {
        _ = try DefinitionLoader.loadDetectorThresholds(file: fixtures.appendingPathComponent("broken/detectors-bad.yaml"),
                                                      display: "Pipelines/detectors.yaml")
        Issue.record("expected an error")
    } catch let d as Diagnostic {
        #expect(d.description == "Pipelines/detectors.yaml:4:14: error: new_partner.min_share must be a number, found \"lots\"")
    } catch {
        Issue.record("unexpected \(error)")
    }
}

@Test func repositoryPipelinesLoad() throws {
    // The committed Pipelines/ folder must always load.
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let defs = try DefinitionLoader.loadSources(directory: root.appendingPathComponent("Pipelines"), displayDirectory: "Pipelines")
    #expect(defs.contains { $0.format == .chinaCustomsCSV })
    #expect(defs.contains { $0.format == .usgsWorldCSV })
}

/// Billion laughs in YAML: level 0 is a list of ten scalars, each further level a list of ten
/// aliases of the one below, all in the ignored `description`; `options.bomb` names the top one.
private func aliasBomb(levels: Int) -> String {
    var yaml = "format: comtrade-csv\nfiles: comtrade/*.csv\ndescription:\n  - &l0 [" + Array(repeating: "lol", count: 10).joined(separator: ", ") + "]\n"
    for level in 1..<levels {
        yaml += "  - &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
    }
    return yaml + "options:\n  bomb: *l\(levels - 1)\n"
}

/// An alias bomb is refused before Yams composes it, at its 33rd alias: lines 5–7 hold 30, so the
/// third on line 8 (`  - &l4 [*l3, *l3, *l3`, column 20). Six levels (1.1 million nodes once
/// expanded) are enough to show it; nine are the issue's case.
@Test(arguments: [6, 9]) func yamlAliasBombIsALocatedError(levels: Int) {
    let error = #expect(throws: Diagnostic.self) {
        _ = try DefinitionLoader.parseSource(yaml: aliasBomb(levels: levels), display: "Pipelines/bomb.yaml")
    }
    #expect(error?.description
        == "Pipelines/bomb.yaml:8:20: error: more than 32 YAML aliases (an alias bomb?); a definition needs few or none")
}

/// The same bomb used as a mapping *key* (Yams hashes keys while composing) is refused as fast.
@Test func yamlAliasBombAsAKeyIsRefusedBeforeComposing() {
    let yaml = aliasBomb(levels: 9).replacingOccurrences(of: "options:\n  bomb: *l8\n", with: "options:\n  ? *l8\n  : x\n")
    #expect(yaml.contains("? *l8"))
    let error = #expect(throws: Diagnostic.self) {
        _ = try DefinitionLoader.parseSource(yaml: yaml, display: "Pipelines/bomb.yaml")
    }
    #expect(error?.description.hasPrefix("Pipelines/bomb.yaml:8:20: error: more than 32 YAML aliases") ?? false)
}

/// Within the alias limit, an expansion past 100,000 nodes is still refused, at the anchor that passes
/// it: ten-ary lists nest 32 aliases at most three levels deep, so the second guard is shown with a
/// three-level bomb under a limit lowered for the test.
@Test func yamlExpansionBeyondTheNodeLimitIsRefused() throws {
    let yaml = "format: comtrade-csv\nfiles: comtrade/*.csv\ndescription:\n  - &l0 [" + Array(repeating: "lol", count: 10).joined(separator: ", ")
        + "]\n" + (1..<3).map { level in "  - &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n" }.joined()
    #expect(try DefinitionLoader.parseSource(yaml: yaml, display: "Pipelines/ok.yaml").format == .comtradeCSV)
}

/// Aliases that expand to a reasonable size still work.
@Test func yamlAliasesWithinTheLimitStillLoad() throws {
    let yaml = """
        format: china-customs-csv
        files: china-customs/*.csv
        columns:
          partner: &partner [贸易伙伴名称, 国家]
          partner_code: *partner
        """
    let definition = try DefinitionLoader.parseSource(yaml: yaml, display: "Pipelines/aliases.yaml")
    #expect(definition.columns["partner_code"] == ["贸易伙伴名称", "国家"])
}

/// A whole-number option out of its range (here far past Int's) is a located error, not a trap.
@Test(arguments: ["0", "99999999999999999999", "1e19", "-5"]) func intOptionOutOfRangeIsLocated(text: String) throws {
    let definition = try DefinitionLoader.parseSource(yaml: "format: comtrade-csv\nfiles: a/*.csv\noptions:\n  max_columns: \(text)\n",
                                                    display: "Pipelines/x.yaml")
    let error = #expect(throws: Diagnostic.self) { _ = try definition.intOption("max_columns", in: 1...1000) }
    #expect(error?.description == "Pipelines/x.yaml:4:16: error: option max_columns must be a whole number from 1 to 1000 [source=x]")
    #expect(try DefinitionLoader.parseSource(yaml: "format: comtrade-csv\nfiles: a/*.csv\noptions:\n  max_columns: 1000\n",
                                           display: "Pipelines/x.yaml").intOption("max_columns", in: 1...1000) == 1000)
}

extension DefinitionLoader {
    /// One source definition from YAML text, as `loadSource(file:display:)` reads a file.
    static func parseSource(yaml: String, display: String) throws -> SourceDefinition {
        try parseSource(YAMLDocument(text: yaml, display: display))
    }
}
