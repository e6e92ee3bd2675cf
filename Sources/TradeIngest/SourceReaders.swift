import Foundation
import TradeConfig

/// The reader for each source format this module implements.
public enum SourceReaders {
    /// The format's reader, with trade rows dated after `now`'s month rejected.
    public static func reader(for format: SourceFormat, now: Date) -> (any SourceReader)? {
        reader(for: format).map { FuturePeriodCheck($0, now: now) }
    }

    /// Every `SourceFormat` has a reader; table-shaped formats pair a container with a normalizer.
    public static func reader(for format: SourceFormat) -> (any SourceReader)? {
        switch format {
        case .chinaCustomsCSV: return CSVTableReader { ChinaCustomsNormalizer() }
        case .usgsWorldCSV: return CSVTableReader { USGSWorldNormalizer() }
        case .usgsSalientCSV: return CSVTableReader { USGSSalientNormalizer() }
        case .hsNomenclatureCSV: return CSVTableReader { HSNomenclatureNormalizer() }
        case .commodityCodesCSV: return CSVTableReader { CommodityCodesNormalizer() }
        case .chinaCustomsXLSX: return XLSXTableReader { ChinaCustomsNormalizer() }
        case .comtradeCSV: return CSVTableReader { ComtradeNormalizer() }
        case .comtradeJSON: return ComtradeJSONReader()
        case .sdmx: return SDMXReader()
        }
    }
}
