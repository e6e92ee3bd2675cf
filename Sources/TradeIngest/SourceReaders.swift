import TradeConfig

/// The reader for each source format this module implements.
public enum SourceReaders {
    /// nil for formats another reader module covers (Comtrade, SDMX, XLSX).
    public static func reader(for format: SourceFormat) -> (any SourceReader)? {
        switch format {
        case .chinaCustomsCSV: return CSVTableReader { ChinaCustomsNormalizer() }
        case .usgsWorldCSV: return CSVTableReader { USGSWorldNormalizer() }
        case .usgsSalientCSV: return CSVTableReader { USGSSalientNormalizer() }
        case .hsNomenclatureCSV: return CSVTableReader { HSNomenclatureNormalizer() }
        case .commodityCodesCSV: return CSVTableReader { CommodityCodesNormalizer() }
        case .chinaCustomsXLSX, .comtradeCSV, .comtradeJSON, .sdmx: return nil
        }
    }
}
