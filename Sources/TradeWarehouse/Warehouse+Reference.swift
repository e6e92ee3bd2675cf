import GRDB
import TradeCore

extension Warehouse {
    /// Replaces all reference tables (countries, commodities, export controls, FX rates) in one transaction.
    public func replaceReference(countries: [Country], commodities: [CommodityRow],
                                 exportControls: [ExportControl], fxRates: [FXRate],
                                 concordance: [HSConcordance] = []) throws {
        try write("cannot replace the reference tables") { db in
            try db.execute(sql: """
                DELETE FROM ref_country; DELETE FROM ref_commodity; DELETE FROM ref_export_control; DELETE FROM ref_fx_rate;
                DELETE FROM ref_hs_concordance;
                """)
            for c in countries {
                try Self.insertReference(db, "country \(c.iso3)", literal: """
                    INSERT INTO ref_country (iso3, iso2, iso_numeric, comtrade_code, name_en, name_zh, aliases)
                    VALUES (\(c.iso3), \(c.iso2), \(c.isoNumeric), \(c.comtradeCode), \(c.nameEN), \(c.nameZH),
                            \(c.aliases.joined(separator: "|")))
                    """)
            }
            for c in commodities {
                try Self.insertReference(db, "commodity \(c.code) (\(c.nomenclature))", literal: """
                    INSERT INTO ref_commodity (code, level, parent, description_en, description_zh, elements,
                                               nomenclature, valid_from, valid_to)
                    VALUES (\(c.code), \(c.level), \(c.parent), \(c.descriptionEN), \(c.descriptionZH),
                            \(c.elements.joined(separator: "|")), \(c.nomenclature), \(c.validFrom), \(c.validTo))
                    """)
            }
            for e in exportControls {
                try Self.insertReference(db, "export control \(e.regime)", literal: """
                    INSERT INTO ref_export_control (regime, issuer, announced, effective, suspended_from,
                                                    suspended_until, elements, scope)
                    VALUES (\(e.regime), \(e.issuer), \(e.announced), \(e.effective), \(e.suspendedFrom),
                            \(e.suspendedUntil), \(e.elements.joined(separator: "|")), \(e.scope))
                    """)
            }
            for r in fxRates {
                try Self.insertReference(db, "FX rate \(r.currency) \(r.period)", literal: """
                    INSERT INTO ref_fx_rate (currency, period, units_per_usd)
                    VALUES (\(r.currency.uppercased()), \(r.period.description), \(r.unitsPerUSD))
                    """)
            }
            for c in concordance {
                try Self.insertReference(db, "concordance \(c.fromCode) \(c.fromEdition) → \(c.toCode) \(c.toEdition)", literal: """
                    INSERT INTO ref_hs_concordance (from_code, from_edition, to_code, to_edition, valid_from, valid_to,
                                                    note, confidence)
                    VALUES (\(c.fromCode), \(c.fromEdition), \(c.toCode), \(c.toEdition), \(c.validFrom), \(c.validTo),
                            \(c.note), \(c.confidence))
                    """)
            }
        }
    }

    /// Inserts one reference row, naming it when SQLite rejects it (duplicate, failed CHECK).
    private static func insertReference(_ db: Database, _ what: String, literal: SQL) throws {
        do {
            try db.execute(literal: literal)
        } catch let error as DatabaseError {
            throw Diagnostic("cannot replace the reference tables: \(what): \(error.message ?? "\(error.resultCode)")")
        }
    }
}
