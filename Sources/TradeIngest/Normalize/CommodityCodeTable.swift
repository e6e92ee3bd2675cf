import Foundation
import TradeCore

/// Reads national code lists in the form of `reference/rare_earth_codes.csv`
/// (`code,kind,description_en,description_zh,elements,form,valid_from,valid_to,…`) into `CommodityRow`s.
///
/// `kind` names the nomenclature (`hs6` → `hs`, `cn8` → `cn8`); `elements` is `|`-separated
/// (`*` = any rare earth); the parent of an 8-digit line is its HS6 heading.
struct CommodityCodeTable {
    let code: Int, kind: Int?, en: Int?, zh: Int?, elements: Int?, validFrom: Int?, validTo: Int?
    let file: String
    let nomenclature: String?

    init(header: TableHeader, nomenclature: String?) throws {
        code = try header.require(["code", "hs_code", "商品编码"], field: "code")
        kind = header.column(["kind"])
        en = header.column(["description_en", "description"])
        zh = header.column(["description_zh"])
        elements = header.column(["elements"])
        validFrom = header.column(["valid_from"])
        validTo = header.column(["valid_to"])
        file = header.file
        self.nomenclature = nomenclature
    }

    func row(_ record: TableRecord) -> RowParse<CommodityRow> {
        let text = record.field(code).trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), [2, 4, 6, 8, 10].contains(text.count) else {
            return .failure(RejectedRow(location: record.location(ofField: code, file: file), columnName: "code",
                                        reason: "code \"\(text)\" is not 2, 4, 6, 8 or 10 digits", rawText: record.rawText))
        }
        let kindText = record.field(kind).trimmingCharacters(in: .whitespaces).lowercased()
        let nomen = nomenclature ?? (kindText == "hs6" || kindText == "hs" ? "hs" : (kindText.isEmpty ? "national" : kindText))
        let parent: String? = text.count > 6 ? String(text.prefix(6)) : (text.count > 2 ? String(text.prefix(text.count - 2)) : nil)
        let zhText = record.field(zh)
        func optional(_ i: Int?) -> String? {
            let v = record.field(i).trimmingCharacters(in: .whitespaces)
            return v.isEmpty ? nil : v
        }
        return .success(CommodityRow(
            code: text, level: text.count, parent: parent, descriptionEN: record.field(en),
            descriptionZH: zhText.isEmpty ? nil : zhText,
            elements: record.field(elements).split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty },
            nomenclature: nomen, validFrom: optional(validFrom), validTo: optional(validTo), rawLine: record.line))
    }
}

/// A parsed row or the reason it was rejected (`Result` needs an `Error`; a rejected row is a value).
enum RowParse<Row> {
    case success(Row)
    case failure(RejectedRow)
}
