import Foundation
import TradeCore
import TradeTestSupport
@testable import TradeAnalysis

/// A synthetic world of made-up countries (`X00`…`XZZ`) and the fixture catalog's codes, with
/// events planted in it and decoys that must not fire, so that the detectors' precision and recall
/// can be measured rather than asserted.
///
/// Sources, as analysts really mix them:
/// * `customs-<origin>`: each origin's own customs, monthly, 8-digit national lines (most from
///   2016, some from later: a source beginning is not trade beginning);
/// * `comtrade-monthly`: a Comtrade-like monthly extract from 2020, 6-digit, carrying both the
///   exporter's and the importer's declaration of every flow (imports CIF, 5 % above FOB);
/// * `comtrade-annual`: a Comtrade-like annual extract of the origins' exports, 2016–2024, 6-digit
///   (a second source of one declarer, agreeing with its customs unless a conflict is planted);
/// * `workbook-<origin>`: a customs workbook of a few origins that adds one 8-digit code from 2022.
///
/// Every event and every decoy lives in its own countries, so one cannot explain another.
struct PlantedWorld {
    enum Kind: String, CaseIterable {
        case volumeSpike = "volume_spike"
        case newPartner = "new_partner"
        case mirrorGap = "mirror_gap"
        case conduit = "transshipment_conduit"
        case unitValue = "unit_value_outlier"
        case controlDiversion = "control_diversion"
        case sourceConflict = "source_conflict"

        /// The detector expected to find an event of this kind.
        var detector: String { rawValue }
    }

    /// One flow an event is about: exporter → importer (nil: any importer).
    struct Flow: Hashable {
        var from: String
        var to: String?
    }

    /// The truth about one planted event.
    struct Event {
        var kind: Kind
        /// Variant within the kind (`total`, `per_buyer`, `route`, …), for the report.
        var variant: String
        var exporter: String
        var importer: String?
        var via: String?
        /// The flows whose findings are about this event (a conduit's legs, a control's buyers).
        var flows: [Flow]
        /// Codes the event concerns; a finding's code must be prefix-related to one of them.
        var codes: [String]
        /// First and last month index the event spans.
        var first: Int
        var last: Int
    }

    /// A decoy: countries where nothing happened that a detector should report.
    struct Decoy {
        var name: String
        var countries: [String]
    }

    var rows: [(row: TradeRow, source: String)] = []
    var precedence = SourcePrecedence()
    var controls: [ExportControl] = []
    var countries: [Country] = []
    var events: [Event] = []
    var decoys: [Decoy] = []

    static let firstYear = 2016
    static let lastYear = 2024
    static let comtradeMonthlyFrom = 2020
    /// Months a finding may miss an event's span by and still be about it (shipping lag, windows).
    static let slackMonths = 3

    func input() throws -> DetectionInput {
        DetectionInput(sourcedTrade: rows, precedence: precedence, exportControls: controls,
                       commodities: try Fx.commodities(), countries: countries)
    }

    // MARK: - Matching findings to the truth

    /// A finding is about `event` when it is of the event's category, names a flow of the event (the
    /// exporter's series over all partners and the importer's over all origins included), a code
    /// prefix-related to one of the event's and months within `slackMonths` of the event's span.
    static func fits(_ a: Anomaly, _ e: Event) -> Bool {
        guard (a.category == .dataQuality) == (e.kind == .sourceConflict) else { return false }
        guard let code = a.hsCode, e.codes.contains(where: { code.hasPrefix($0) || $0.hasPrefix(code) }) else { return false }
        guard var lo = Period(a.periodStart)?.monthIndex, let end = Period(a.periodEnd) else { return false }
        let hi = end.month == nil ? end.year * 12 + 11 : end.monthIndex
        // A rolling 12-month finding is dated by the last months of its windows; it is about the
        // twelve months each window holds.
        if a.evidence["mode"]?.stringValue == "rolling_12_months", a.detector == "volume_spike" { lo -= 11 }
        guard lo <= e.last + slackMonths, e.first - slackMonths <= hi else { return false }
        if let via = a.via { return via == e.via && a.reporter == e.exporter && a.partner == e.importer }
        let partner = a.partner == "WLD" ? nil : a.partner
        return e.flows.contains { f in
            if a.reporter == "WLD" { return partner != nil && partner == f.to }
            return a.reporter == f.from && (f.to == nil || partner == nil || partner == f.to)
        }
    }
}

/// Builds a `PlantedWorld` from a seed: the same seed always gives the same world.
struct PlantedWorldGenerator {
    typealias Kind = PlantedWorld.Kind
    private var rng: SeededGenerator
    private var world = PlantedWorld()
    private var nextCountry = 0
    private var nextRegime = 1

    /// Typical USD/kg of the codes used (customs lines; the Comtrade heading takes the line's price).
    static let prices: [String: Double] = [
        "28461010": 3, "28469015": 250, "28469017": 70, "28469019": 30, "28469099": 20,
        "28053012": 350, "28053016": 90, "28053019": 60, "85059910": 50,
    ]
    /// Codes of ordinary flows (events and decoys other than controls).
    static let flowCodes = ["28461010", "28469015", "28469017", "28053012", "28053016", "28469099"]

    init(seed: UInt64) {
        rng = SeededGenerator(seed: seed)
        world.precedence = SourcePrecedence([
            "comtrade-monthly": .init(format: "comtrade-json"),
            "comtrade-annual": .init(format: "comtrade-csv"),
        ])
    }

    /// `perKind` events of every kind and `decoysPerType` decoys of each of the decoy types.
    mutating func generate(perKind: Int = 40, decoysPerType: Int = 8) -> PlantedWorld {
        for i in 0..<perKind {
            volumeSpike()
            newPartner()
            mirrorGap()
            conduit()
            unitValue()
            controlDiversion(variant: ["total", "route", "total", "per_buyer"][i % 4])
            sourceConflict()
        }
        for _ in 0..<decoysPerType {
            decoyGrowth()
            decoySeasonal()
            decoyLateSource()
            decoyComtradeOnly()
            decoyWorkbookCode()
            decoyAgreeingSources()
            decoyBlip()
        }
        decoyRegime()
        return world
    }

    // MARK: - Randomness and countries

    private mutating func uniform(_ r: ClosedRange<Double>) -> Double { Double.random(in: r, using: &rng) }
    private mutating func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
    private mutating func chance(_ p: Double) -> Bool { uniform(0...1) < p }
    private mutating func pick<T>(_ xs: [T]) -> T { xs[int(0...(xs.count - 1))] }
    /// ±10 % noise.
    private mutating func noise() -> Double { uniform(0.9...1.1) }

    private static let digits = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")

    /// A new made-up country, `X` and two base-36 digits.
    private mutating func country() -> String {
        defer { nextCountry += 1 }
        precondition(nextCountry < 36 * 36, "the world ran out of made-up countries")
        return "X" + String(Self.digits[nextCountry / 36]) + String(Self.digits[nextCountry % 36])
    }

    /// A new origin with its own customs source, publishing from `from` (a month index).
    private mutating func origin(customsFrom from: Int? = nil) -> (code: String, from: Int) {
        let c = country()
        world.precedence.entries["customs-\(c)"] = .init(format: "customs-csv", ownReporter: c)
        return (c, from ?? PlantedWorld.firstYear * 12)
    }

    private static let months = (PlantedWorld.firstYear * 12)...(PlantedWorld.lastYear * 12 + 11)

    // MARK: - Emitting flows

    /// How a flow is declared, month by month: tonnes and USD/kg as shipped, and what each source says.
    struct Shipments {
        var exporter: String
        var importer: String
        var code: String
        var tonnes: [Int: Double] = [:]
        var usdPerKg: [Int: Double] = [:]
        /// The exporter's customs publishes from this month (nil: no customs source; Comtrade declares).
        var customsFrom: Int?
        /// The importer's declaration as a multiple of the shipment, by year (a mirror gap).
        var importerFactor: [Int: Double] = [:]
        /// The annual Comtrade figure of the exporter's declaration as a multiple, by year (a conflict).
        var annualFactor: [Int: Double] = [:]
        /// The exporter's own declaration in Comtrade's monthly extract (its customs answers for it anyway).
        var comtradeExporterSide = true
        /// Source of the customs lines (`customs-X..` or a workbook).
        var customsSource: String?
    }

    private mutating func shipments(_ e: String, _ i: String, _ code: String, customsFrom: Int?,
                                    tonnes: (Int) -> Double) -> Shipments {
        var s = Shipments(exporter: e, importer: i, code: code, customsFrom: customsFrom)
        let price = Self.prices[code] ?? 50
        for m in Self.months {
            let t = tonnes(m)
            guard t > 0 else { continue }
            s.tonnes[m] = t
            s.usdPerKg[m] = price * uniform(0.88...1.12)
        }
        return s
    }

    private mutating func emit(_ s: Shipments) {
        let code6 = String(s.code.prefix(6))
        let customs = s.customsSource ?? "customs-\(s.exporter)"
        var annual: [Int: (kg: Double, usd: Double)] = [:]
        for m in s.tonnes.keys.sorted() {
            let kg = s.tonnes[m]! * 1000, usd = kg * s.usdPerKg[m]!
            let period = Period(monthIndex: m)
            if let from = s.customsFrom, m >= from {
                world.rows.append((TradeRow(period: period, reporter: s.exporter, partner: s.importer, flow: .export, hsCode: s.code,
                                            quantityKg: kg, valueUSD: usd, valuation: .fob, rawLine: 0), customs))
            }
            if s.customsFrom != nil {
                annual[period.year, default: (0, 0)].kg += kg
                annual[period.year, default: (0, 0)].usd += usd
            }
            guard period.year >= PlantedWorld.comtradeMonthlyFrom else { continue }
            if s.comtradeExporterSide || s.customsFrom == nil {
                world.rows.append((TradeRow(period: period, reporter: s.exporter, partner: s.importer, flow: .export, hsCode: code6,
                                            quantityKg: kg, valueUSD: usd, valuation: .fob, rawLine: 0), "comtrade-monthly"))
            }
            let f = s.importerFactor[period.year] ?? 1
            world.rows.append((TradeRow(period: period, reporter: s.importer, partner: s.exporter, flow: .import, hsCode: code6,
                                        quantityKg: kg * f, valueUSD: usd * f * 1.05, valuation: .cif, rawLine: 0), "comtrade-monthly"))
        }
        for y in annual.keys.sorted() {
            let f = s.annualFactor[y] ?? 1
            world.rows.append((TradeRow(period: Period(year: y), reporter: s.exporter, partner: s.importer, flow: .export, hsCode: code6,
                                        quantityKg: annual[y]!.kg * f, valueUSD: annual[y]!.usd * f, valuation: .fob, rawLine: 0),
                               "comtrade-annual"))
        }
    }

    /// An ordinary monthly profile: `base` t a month, growing `growth` a year, with an optional
    /// December peak and lunar-new-year (February) dip, and noise.
    private mutating func profile(base: Double, growth: Double = 0, seasonal: Bool = false) -> (Int) -> Double {
        var table: [Int: Double] = [:]
        for m in Self.months {
            let years = Double(m / 12 - PlantedWorld.firstYear) + Double(m % 12) / 12
            var t = base * pow(1 + growth, years) * noise()
            if seasonal { t *= m % 12 == 11 ? 2 : (m % 12 == 1 ? 0.5 : 1) }
            table[m] = t
        }
        return { table[$0] ?? 0 }
    }

    private mutating func plant(_ kind: Kind, _ variant: String = "", exporter: String, importer: String?, via: String? = nil,
                                flows: [PlantedWorld.Flow], codes: [String], first: Int, last: Int) {
        world.events.append(.init(kind: kind, variant: variant, exporter: exporter, importer: importer, via: via,
                                  flows: flows, codes: codes, first: first, last: last))
    }

    // MARK: - Events

    /// The event or decoy a country belongs to, for reading a false finding.
    static func namespace(of country: String, in world: PlantedWorld) -> String {
        if let e = world.events.first(where: { [$0.exporter, $0.via].contains(country) || $0.flows.contains { $0.to == country } }) {
            return "\(e.kind.rawValue) \(e.variant) \(e.exporter)"
        }
        if let d = world.decoys.first(where: { $0.countries.contains(country) }) { return "decoy: \(d.name)" }
        return "background"
    }

    /// A burst of 1–4 months at 5–10× an ordinary (possibly seasonal or growing) flow.
    mutating func volumeSpike() {
        let (e, from) = origin(customsFrom: chance(0.25) ? 2017 * 12 : nil)
        let i = country()
        let code = pick(Self.flowCodes)
        let normal = profile(base: uniform(15...80), growth: chance(0.3) ? uniform(0.05...0.3) : 0, seasonal: chance(0.5))
        let start = int((2020 * 12)...(2024 * 12 + 9)), length = int(1...4)
        let end = min(start + length - 1, Self.months.upperBound)
        let k = uniform(5...10)
        emit(shipments(e, i, code, customsFrom: from) { m in normal(m) * ((start...end).contains(m) ? k : 1) })
        plant(.volumeSpike, length == 1 ? "one month" : "several months", exporter: e, importer: i,
              flows: [.init(from: e, to: i)], codes: [code], first: start, last: end)
    }

    /// A partner with no history takes 20–60 % of a line in one year, from some month on.
    mutating func newPartner() {
        let (e, from) = origin()
        let usual = country(), newcomer = country()
        let code = pick(Self.flowCodes)
        let base = uniform(20...80)
        emit(shipments(e, usual, code, customsFrom: from, tonnes: profile(base: base, seasonal: chance(0.3))))
        let year = int(2020...2024), startMonth = int(1...9)
        let share = uniform(0.2...0.6)
        // The newcomer's monthly tonnes so that it takes `share` of the year's exports of the line.
        let monthly = base * 12 * share / (1 - share) / Double(12 - startMonth + 1)
        let first = year * 12 + startMonth - 1, last = year * 12 + 11
        let salt = nextCountry
        emit(shipments(e, newcomer, code, customsFrom: from) { m in (first...last).contains(m) ? monthly * Self.wobble(m, salt) : 0 })
        plant(.newPartner, exporter: e, importer: newcomer, flows: [.init(from: e, to: newcomer)], codes: [code],
              first: first, last: last)
    }

    /// The importer declares 1.6–3× what the exporter declared, for 1–3 years.
    mutating func mirrorGap() {
        let (e, from) = origin()
        let i = country()
        let code = pick(Self.flowCodes)
        var s = shipments(e, i, code, customsFrom: from, tonnes: profile(base: uniform(15...60), seasonal: chance(0.3)))
        let y0 = int(2020...2024), y1 = min(y0 + int(0...2), 2024)
        let factor = uniform(1.6...3)
        for y in y0...y1 { s.importerFactor[y] = factor }
        emit(s)
        plant(.mirrorGap, exporter: e, importer: i, flows: [.init(from: e, to: i)], codes: [code],
              first: y0 * 12, last: y1 * 12 + 11)
    }

    /// O ships 8–40 t a month for 3–6 months to K, which mines nothing and ships 80–100 % of it on to D
    /// 0–3 months later; O's direct shipments to D (when there are any) halve.
    mutating func conduit() {
        let (o, from) = origin()
        let k = country(), d = country()
        let code = pick(Self.flowCodes)
        let start = int((2021 * 12)...(2024 * 12 + 3)), length = int(3...6), lag = int(0...3)
        let end = min(start + length - 1, Self.months.upperBound - lag)
        let monthly = uniform(8...40), onward = uniform(0.8...1)
        let surge = start...end
        if chance(0.7) {
            let direct = profile(base: uniform(5...20))
            emit(shipments(o, d, code, customsFrom: from) { m in
                direct(m) * (m >= start - 1 && m <= end + lag + 6 ? 0.5 : 1)
            })
        }
        let salt = nextCountry
        emit(shipments(o, k, code, customsFrom: from) { m in surge.contains(m) ? monthly * Self.wobble(m, salt) : 0 })
        emit(shipments(k, d, code, customsFrom: nil) { m in surge.contains(m - lag) ? monthly * onward * Self.wobble(m - lag, salt) : 0 })
        // K and D trade other goods all along (their declarations cover the years before the surge).
        emit(shipments(d, k, "85059910", customsFrom: nil, tonnes: profile(base: uniform(3...8))))
        plant(.conduit, lag == 0 ? "no lag" : "lag \(lag)", exporter: o, importer: d, via: k,
              flows: [.init(from: o, to: k), .init(from: k, to: d), .init(from: o, to: d)], codes: [code],
              first: start, last: end + lag)
    }

    /// One month's lot priced 5–40 times above or below the line's usual unit value.
    mutating func unitValue() {
        let (e, from) = origin()
        let i = country()
        let code = pick(Self.flowCodes)
        var s = shipments(e, i, code, customsFrom: from, tonnes: profile(base: uniform(5...40), seasonal: chance(0.3)))
        let month = int((2017 * 12)...Self.months.upperBound)
        let factor = uniform(5...40)
        let up = chance(0.5)
        s.usdPerKg[month] = s.usdPerKg[month]! * (up ? factor : 1 / factor)
        emit(s)
        plant(.unitValue, up ? "priced above" : "priced below", exporter: e, importer: i,
              flows: [.init(from: e, to: i)], codes: [code], first: month, last: month)
    }

    /// A regime controls a line's elements; afterwards the line falls 50–90 % and either a catch-all
    /// line (`total`: all buyers; `per_buyer`: one of three buyers switches) or a third country
    /// (`route`) takes 60–100 % of the fall.
    mutating func controlDiversion(variant: String) {
        let (e, from) = origin()
        let (controlled, elements) = pick([("28469015", ["Dy", "Tb"]), ("28053012", ["Dy", "Tb"]),
                                           ("28469017", ["Pr"]), ("28053016", ["Pr"])])
        // The catch-all of the controlled line's own heading: oxides n.e.s. for an oxide, metals n.e.s. for a metal.
        let catchAll = controlled.hasPrefix("2846") ? pick(["28469019", "28469099"]) : "28053019"
        let effective = int((2020 * 12)...(2024 * 12 + 5))
        let after = { (m: Int) in m >= effective }
        let fall = uniform(0.5...0.9), takeUp = uniform(0.6...1)
        let buyers = variant == "per_buyer" ? [country(), country(), country()] : [country()]
        var flows: [PlantedWorld.Flow] = [.init(from: e, to: nil)]
        let salt = nextCountry
        var diverted = 0.0
        for (n, b) in buyers.enumerated() {
            let base = uniform(15...50)
            let diverts = n == 0
            if diverts { diverted = base * fall * takeUp }
            let line = profile(base: base)
            emit(shipments(e, b, controlled, customsFrom: from) { m in line(m) * (diverts && after(m) ? 1 - fall : 1) })
            let small = profile(base: uniform(1...4))
            let gain = variant == "route" ? 0 : diverted
            emit(shipments(e, b, catchAll, customsFrom: from) { m in small(m) + (diverts && after(m) ? gain * Self.wobble(m, salt) : 0) })
            if diverts { flows.append(.init(from: e, to: b)) }
        }
        if variant == "route" {
            let route = country()
            emit(shipments(e, route, controlled, customsFrom: from) { m in after(m) ? diverted * Self.wobble(m, salt) : 0 })
            flows.append(.init(from: e, to: route))
        }
        let name = "Land \(e)"
        world.countries.append(Country(iso3: e, iso2: String(e.suffix(2)), isoNumeric: "9\(nextRegime)", comtradeCode: "9\(nextRegime)",
                                       nameEN: name, nameZH: name, aliases: []))
        let date = Period(monthIndex: effective)
        let effectiveText = String(format: "%04d-%02d-01", date.year, date.month!)
        world.controls.append(ExportControl(regime: "BENCH \(nextRegime)", issuer: name, announced: effectiveText,
                                            effective: effectiveText, suspendedFrom: nil, suspendedUntil: nil,
                                            elements: elements, scope: "benchmark"))
        nextRegime += 1
        // The switch persists to the end of the data.
        plant(.controlDiversion, variant, exporter: e, importer: nil, flows: flows, codes: [controlled, catchAll],
              first: effective, last: Self.months.upperBound)
    }

    /// The annual Comtrade figure of an origin's exports differs from its customs by 1.6–3× (or a
    /// third to 60 %) in one year the importer's declaration is not published (before 2020), so the
    /// disagreement of the two sources is the only event.
    mutating func sourceConflict() {
        let (e, from) = origin()
        let i = country()
        let code = pick(Self.flowCodes)
        var s = shipments(e, i, code, customsFrom: from, tonnes: profile(base: uniform(20...60)))
        let year = int(2016...2019)
        s.annualFactor[year] = chance(0.5) ? uniform(1.6...3) : uniform(0.3...0.6)
        emit(s)
        plant(.sourceConflict, exporter: e, importer: i, flows: [.init(from: e, to: i)], codes: [code],
              first: year * 12, last: year * 12 + 11)
    }

    // MARK: - Decoys

    private mutating func decoy(_ name: String, _ countries: [String]) {
        world.decoys.append(.init(name: name, countries: countries))
    }

    /// +30 %/year for nine years (8× in all).
    mutating func decoyGrowth() {
        let (e, from) = origin()
        let i = country()
        emit(shipments(e, i, pick(Self.flowCodes), customsFrom: from, tonnes: profile(base: uniform(5...30), growth: 0.3)))
        decoy("steady growth +30 %/year", [e, i])
    }

    /// December twice the usual, February half (lunar new year), every year.
    mutating func decoySeasonal() {
        let (e, from) = origin()
        let i = country()
        emit(shipments(e, i, pick(Self.flowCodes), customsFrom: from, tonnes: profile(base: uniform(10...60), seasonal: true)))
        emit(shipments(e, i, "28469099", customsFrom: from, tonnes: profile(base: uniform(2...10), seasonal: true)))
        decoy("seasonal peaks and dips", [e, i])
    }

    /// Customs published from 2019–2021 only; the trade (and Comtrade's annual figures) go back further.
    mutating func decoyLateSource() {
        let (e, _) = origin()
        let i = country()
        let start = int(2019...2021) * 12 + int(0...6)
        emit(shipments(e, i, pick(Self.flowCodes), customsFrom: start, tonnes: profile(base: uniform(30...200))))
        decoy("customs source starts late", [e, i])
    }

    /// A declarer known only from the Comtrade monthly extract (from 2020): large, steady trade.
    mutating func decoyComtradeOnly() {
        let e = country(), i = country()
        emit(shipments(e, i, pick(Self.flowCodes), customsFrom: nil, tonnes: profile(base: uniform(30...200), seasonal: chance(0.5))))
        decoy("declarer only in the later Comtrade extract", [e, i])
    }

    /// A workbook adds a national magnet line from 2022; Comtrade carried the heading since 2020.
    mutating func decoyWorkbookCode() {
        let (e, from) = origin()
        let i = country()
        world.precedence.entries["workbook-\(e)"] = .init(format: "customs-xlsx", ownReporter: e)
        emit(shipments(e, i, "28461010", customsFrom: from, tonnes: profile(base: uniform(10...40))))
        var magnets = shipments(e, i, "85059910", customsFrom: 2022 * 12, tonnes: profile(base: uniform(20...80)))
        magnets.customsSource = "workbook-\(e)"
        emit(magnets)
        decoy("new 8-digit code in a later workbook", [e, i])
    }

    /// Comtrade's annual figures of the origin differ from its customs by 2–8 % (rounding, revisions).
    mutating func decoyAgreeingSources() {
        let (e, from) = origin()
        let i = country()
        var s = shipments(e, i, pick(Self.flowCodes), customsFrom: from, tonnes: profile(base: uniform(10...60)))
        for y in PlantedWorld.firstYear...PlantedWorld.lastYear { s.annualFactor[y] = chance(0.5) ? uniform(1.02...1.08) : uniform(0.92...0.98) }
        emit(s)
        decoy("two sources of one declarer that agree", [e, i])
    }

    /// A small series (0.3–1 t a month) with one month at 3–4.5 t: below every tonnage floor.
    mutating func decoyBlip() {
        let (e, from) = origin()
        let i = country()
        let normal = profile(base: uniform(0.3...1))
        let month = int((2019 * 12)...Self.months.upperBound)
        let blip = uniform(3...4.5)
        emit(shipments(e, i, pick(Self.flowCodes), customsFrom: from) { m in m == month ? blip : normal(m) })
        decoy("one-month blip below the floors", [e, i])
    }

    /// A regime on cerium whose issuer names no known country: every exporter is checked, and none
    /// diverted anything.
    mutating func decoyRegime() {
        world.controls.append(ExportControl(regime: "BENCH DECOY", issuer: "Nowhere", announced: "2022-06-01", effective: "2022-07-01",
                                            suspendedFrom: nil, suspendedUntil: nil, elements: ["Ce"], scope: "benchmark"))
    }

    /// ±10 % noise as a pure function of the month and a salt (for closures, which may not draw from the generator).
    static func wobble(_ m: Int, _ salt: Int) -> Double { 1 + 0.1 * sin(Double(m) * 2.3 + Double(salt)) }
}
