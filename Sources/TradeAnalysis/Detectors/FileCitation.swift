import Foundation
import TradeCore

/// The raw files a finding's figures came from, written into its evidence (`files`, or
/// `exporter_files` and `importer_files` for a mirror gap) so an analyst can open them.
public enum FileCitation {
    /// The paths (sorted, at most `limit`) of the files holding current rows of `source` declared by
    /// `declarer` for `flow`, with a code under `codePrefix` and partner `partner` (nil: any), in
    /// the periods from `from` to `to` (`PeriodSpan`).
    public typealias Lookup = (_ source: String, _ declarer: String, _ flow: Flow, _ codePrefix: String,
                               _ partner: String?, _ from: String, _ to: String) throws -> [String]

    /// At most this many files are cited per declaration.
    public static let limit = 20

    /// `finding` with the files of each declaration it rests on.
    public static func citing(_ finding: Anomaly, files lookup: Lookup) throws -> Anomaly {
        guard case .object(var evidence) = finding.evidence, let code = finding.hsCode, let exporter = finding.reporter else {
            return finding
        }
        func files(_ source: JSONValue?, declarer: String, flow: Flow, partner: String?) throws -> JSONValue? {
            guard let source = source?.stringValue else { return nil }
            let paths = try lookup(source, declarer, flow, code, partner, finding.periodStart, finding.periodEnd)
            return .array(paths.map { .string($0) })
        }
        if finding.detector == "mirror_gap", let sources = evidence["sources"]?.objectValue, let importer = finding.partner {
            evidence["exporter_files"] = try files(sources["exporter_source"], declarer: exporter, flow: .export, partner: importer)
            evidence["importer_files"] = try files(sources["importer_source"], declarer: importer, flow: .import, partner: exporter)
        } else if let declarer = evidence["declared_by"]?.stringValue ?? finding.declaredBy {
            let flow = evidence["flow"]?.stringValue.flatMap(Flow.init(rawValue:)) ?? (declarer == exporter ? .export : .import)
            let counterpart = declarer == exporter ? finding.partner : exporter
            evidence["files"] = try files(evidence["source"], declarer: declarer, flow: flow,
                                          partner: counterpart == "WLD" ? nil : counterpart)
        }
        var cited = finding
        cited.evidence = .object(evidence)
        return cited
    }
}

/// Which raw file each row of one family came from, so the family's findings cite their files
/// while the family is in memory, without a query per finding.
public struct FamilyFiles: Sendable {
    private struct Declaration: Hashable, Sendable {
        let source: String
        let declarer: String
        let flow: Flow
    }

    /// 12 bytes a row: the code's number in `codes`, the period (year × 16 + month, 0 for a year)
    /// and the file's id (row ids of `raw_file`, one per file ever loaded, so 32 bits hold them).
    private struct Entry: Sendable {
        let code: Int32
        let period: Int32
        let file: Int32
    }

    /// Declaration → partner → its rows' code, period and file.
    private var entries: [Declaration: [String: [Entry]]] = [:]
    private var codeNumbers: [String: Int32] = [:]
    private var codes: [String] = []
    private let paths: [Int64: String]

    /// `paths`: the path of every raw file, by id.
    public init(paths: [Int64: String]) { self.paths = paths }

    public mutating func add(_ row: TradeRow, source: String, file: Int64) {
        let code: Int32
        if let known = codeNumbers[row.hsCode] {
            code = known
        } else {
            code = Int32(codes.count)
            codeNumbers[row.hsCode] = code
            codes.append(row.hsCode)
        }
        let period = Int32(row.period.year * 16 + (row.period.month ?? 0))
        entries[Declaration(source: source, declarer: row.reporter, flow: row.flow), default: [:]][row.partner, default: []]
            .append(Entry(code: code, period: period, file: Int32(truncatingIfNeeded: file)))
    }

    /// `FileCitation.Lookup` over this family's rows.
    public func files(source: String, declarer: String, flow: Flow, codePrefix: String, partner: String?,
                      from: String, to: String) -> [String] {
        guard let span = PeriodSpan(from: from, to: to),
              let byPartner = entries[Declaration(source: source, declarer: declarer, flow: flow)] else { return [] }
        let under = codes.map { $0.hasPrefix(codePrefix) }
        var files = Set<Int32>()
        let lists = partner.map { byPartner[$0].map { [$0] } ?? [] } ?? Array(byPartner.values)
        for list in lists {
            for entry in list where under[Int(entry.code)] && !files.contains(entry.file) {
                let month = Int(entry.period & 15)
                if span.contains(Period(year: Int(entry.period >> 4), month: month == 0 ? nil : month)) {
                    files.insert(entry.file)
                }
            }
        }
        return Array(Set(files.compactMap { paths[Int64($0)] }).sorted().prefix(FileCitation.limit))
    }
}
