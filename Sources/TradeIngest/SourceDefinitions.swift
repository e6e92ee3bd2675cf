import Foundation
import TradeCore
import TradeConfig

/// Loads `Pipelines/` with the readers' vocabulary: every `constants:` and `options:` key a
/// definition sets must be one a reader reads, or the definition is a located error.
public enum SourceDefinitions {
    /// Constants the normalizers fill fields from (and `reporter` also ranks sources).
    public static let constantKeys: Set<String> = ["reporter", "flow", "period", "currency"]

    /// Options every source takes (read by the runner, not a reader).
    static let commonOptions: Set<String> = ["stale_after_days"]
    static let csvOptions: Set<String> = ["max_record_bytes", "max_columns"]
    static let xlsxOptions: Set<String> = ["sheet", "sheet_index", "header_row", "date_columns", "date_format",
                                           "max_entry_bytes", "max_total_bytes"]

    /// The `options:` keys each format's reader and normalizer read.
    public static func optionKeys(for format: SourceFormat) -> Set<String> {
        let own: Set<String>
        switch format {
        case .chinaCustomsCSV: own = csvOptions.union(["sum_over"])
        case .chinaCustomsXLSX: own = xlsxOptions.union(["sum_over"])
        case .usgsWorldCSV: own = csvOptions.union(["unit", "countries", "reserves_year"])
        case .usgsSalientCSV: own = csvOptions.union(["country"])
        case .hsNomenclatureCSV, .commodityCodesCSV: own = csvOptions.union(["nomenclature"])
        case .comtradeCSV: own = csvOptions
        case .comtradeJSON: own = []
        case .sdmx: own = ["kind", "time", "dataset", "series_key", "reporter", "partner", "product", "flow", "unit",
                           "flow_codes", "unit_scales"]
        }
        return own.union(commonOptions)
    }

    public static let vocabulary = DefinitionVocabulary(
        constants: constantKeys,
        options: Dictionary(uniqueKeysWithValues: SourceFormat.allCases.map { ($0, optionKeys(for: $0)) }))

    /// Every definition in `directory`, shown in diagnostics as `directory/<file>`.
    public static func load(directory: String) throws -> [SourceDefinition] {
        try DefinitionLoader.loadSources(directory: URL(fileURLWithPath: directory, isDirectory: true),
                                       displayDirectory: directory, vocabulary: vocabulary)
    }
}
