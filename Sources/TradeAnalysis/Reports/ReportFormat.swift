import Foundation

/// Locale-independent number, date and text formatting shared by the report formats.
enum ReportFormat {
    /// `1,234,567` — thousands separated, whatever the machine's locale.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return n < 0 ? "-" + out : out
    }

    /// A measured amount with sensible precision: `1,234 t`, `12.5 t`, `0.042 t`, `3,400,000 USD`.
    static func amount(_ value: Double, unit: String) -> String {
        "\(number(value)) \(unit)"
    }

    /// A measured number with precision that shrinks as it grows.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return String(describing: value) }
        let magnitude = abs(value)
        if magnitude >= 100 || magnitude == 0 { return grouped(Int(value.rounded())) }
        if magnitude >= 10 { return trimmed(String(format: "%.1f", value)) }
        if magnitude >= 1 { return trimmed(String(format: "%.2f", value)) }
        return trimmed(String(format: "%.3g", value))
    }

    /// Short axis labels: `0`, `250`, `1.5k`, `7.5k`, `2M` (at most 5 characters on nice ticks).
    static func compact(_ value: Double) -> String {
        let magnitude = abs(value)
        switch magnitude {
        case 1e9...: return trimmed(String(format: "%.2f", value / 1e9)) + "G"
        case 1e6...: return trimmed(String(format: "%.2f", value / 1e6)) + "M"
        case 1e3...: return trimmed(String(format: "%.2f", value / 1e3)) + "k"
        case 1...: return trimmed(String(format: "%.1f", value))
        case 0: return "0"
        default: return trimmed(String(format: "%.2g", value))
        }
    }

    /// An evidence number as a person reads it: integers plainly (`2024`), others to 6 significant digits.
    static func evidence(_ value: Double) -> String {
        guard value.isFinite else { return String(describing: value) }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.6g", value)
    }

    /// A score to two decimals.
    static func score(_ value: Double) -> String {
        value.isFinite ? String(format: "%.2f", value) : String(describing: value)
    }

    /// `2025-03-04 05:06 UTC`.
    static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d UTC", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    /// RFC 3339 / ISO 8601 in UTC, for machines.
    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// `1h 02m 03s`, `4m 05s`, `12s`.
    static func duration(_ seconds: TimeInterval) -> String {
        let s = Int(seconds.rounded())
        if s >= 3600 { return String(format: "%dh %02dm %02ds", s / 3600, s / 60 % 60, s % 60) }
        if s >= 60 { return String(format: "%dm %02ds", s / 60, s % 60) }
        return "\(max(0, s))s"
    }

    /// Escapes text for XML/SVG content and attribute values.
    static func xmlEscaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters other than tab/newline are not allowed in XML 1.0.
                if ch.value < 0x20, ch != "\t", ch != "\n", ch != "\r" { out += " " } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }

    /// The route a finding is about: `CHN → TUR`, `CHN → SGP → JPN`, `CHN` alone.
    static func route(reporter: String?, via: String?, partner: String?) -> String {
        [reporter, via, partner].compactMap { $0 }.joined(separator: " → ").nonEmpty ?? "—"
    }

    /// The parties to a case: `CHN → USA via MYS`, `CHN via MYS`, `CHN` (no single partner), `—`.
    static func parties(reporter: String?, partner: String?, via: String?) -> String {
        var text = [reporter, partner].compactMap { $0 }.joined(separator: " → ").nonEmpty ?? "—"
        if let via { text += " via \(via)" }
        return text
    }

    /// A case's confidence (0…1) as a whole percentage: `85 %`.
    static func confidence(_ value: Double) -> String {
        value.isFinite ? "\(Int((value * 100).rounded())) %" : "—"
    }

    /// What a case puts at stake, with units: `243 t · $7.3 M`; nil when nothing is measured.
    static func stake(tonnes: Double?, usd: Double?) -> String? {
        let parts = [tonnes.map { amount($0, unit: "t") }, usd.map(CaseText.usd)].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }

    /// `2024-03` or `2024-03 – 2024-09`.
    static func span(_ start: String, _ end: String) -> String {
        start == end ? start : "\(start) – \(end)"
    }

    private static func trimmed(_ s: String) -> String {
        guard s.contains("."), !s.contains("e") else { return s }
        var t = s
        while t.hasSuffix("0") { t.removeLast() }
        if t.hasSuffix(".") { t.removeLast() }
        return t
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
