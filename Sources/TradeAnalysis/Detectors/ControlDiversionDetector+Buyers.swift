import Foundation
import TradeCore

extension ControlDiversionDetector {
    /// A series' pre window (season-adjusted), post window, raw pre window and seasonal factor.
    typealias WindowSums = (pre: Double, post: Double, rawPre: Double, factor: Double)

    /// One buyer moving from controlled lines of a heading to its catch-all line.
    struct BuyerSwitch {
        var buyer: String
        /// The catch-all code that rose.
        var code: String
        /// The controlled codes of the heading the buyer took before the date.
        var controlled: [String]
        var fell: WindowSums
        var rose: WindowSums
        var offset: Double
        var tonnes: Double { min(rose.post - rose.pre, fell.pre - fell.post) }

        var json: JSONValue {
            ["buyer": .string(buyer), "controlled_codes": .array(controlled.map { .string($0) }),
             "controlled_pre_t": AnomalyText.json(fell.pre), "controlled_post_t": AnomalyText.json(fell.post),
             "catch_all_pre_t": AnomalyText.json(rose.pre), "catch_all_post_t": AnomalyText.json(rose.post),
             "offset_share": AnomalyText.json(offset), "switched_t": AnomalyText.json(tonnes)]
        }
    }

    /// The buyer channel: one buyer's controlled lines of a heading fall while the same buyer's
    /// catch-all line of that heading rises by a comparable tonnage. `window`: the regime's window
    /// sums of a series.
    func buyerSwitches(_ context: Context, catchAlls: [String], input: DetectionInput, settings: DetectorSettings,
                       window: (TradeCube.Series) -> WindowSums) -> [BuyerSwitch] {
        let s = settings.controlDiversion, cube = input.cube, o = context.exporter
        var out: [BuyerSwitch] = []
        for k in catchAlls {
            let heading = context.controlled.filter { TradeCube.family($0) == TradeCube.family(k) }
            let buyers = Set(heading.flatMap { cube.partners(o, .export, key: $0) }).intersection(cube.partners(o, .export, key: k))
            for p in buyers.sorted() {
                var series: TradeCube.Series = [:]
                var bought: [String] = []
                for c in heading {
                    let t = cube.partnerSeries(o, .export, key: c, partner: p)
                    if window(t).rawPre > 0 { bought.append(c) }
                    for period in t.keys { series[period, default: Cell()].add(t[period]!) }
                }
                let fell = window(series), drop = fell.pre - fell.post
                guard fell.pre >= s.minTonnes, drop >= s.minTonnes, fell.post <= (1 - s.minControlledDrop) * fell.pre else { continue }
                let rose = window(cube.partnerSeries(o, .export, key: k, partner: p)), rise = rose.post - rose.pre
                guard rise >= s.minTonnes, rose.post >= (1 + s.minCatchAllRise) * max(rose.pre, s.floorTonnes) else { continue }
                let offset = rise / drop
                guard offset >= s.buyerMinOffsetShare, offset <= s.buyerMaxOffsetShare, offset >= s.minOffsetShare else { continue }
                out.append(BuyerSwitch(buyer: p, code: k, controlled: bought, fell: fell, rose: rose, offset: offset))
            }
        }
        return out
    }

    func anomaly(_ context: Context, _ buyerSwitch: BuyerSwitch, input: DetectionInput, settings: DetectorSettings) -> Anomaly {
        let b = buyerSwitch
        let o = context.exporter, p = b.buyer, w = context.windows
        let listed = b.controlled.prefix(3).map { input.catalog.label($0) }.joined(separator: ", ")
            + (b.controlled.count > 3 ? " and \(b.controlled.count - 3) more" : "")
        let summary = "After \(context.regime.regime) (effective \(context.regime.effective)), \(o) exports to \(p) of controlled "
            + "\(listed) fell from \(AnomalyText.tonnes(b.fell.pre)) to \(AnomalyText.tonnes(b.fell.post)) in \(w.postText) vs "
            + "\(w.preText)\(b.fell.factor != 1 ? " (season-adjusted)" : ""), while its \(input.catalog.label(b.code)) to \(p) rose from "
            + "\(AnomalyText.tonnes(b.rose.pre)) to \(AnomalyText.tonnes(b.rose.post)): about \(AnomalyText.tonnes(b.tonnes)) "
            + "switched to the catch-all line, \(Self.takeUp(b.offset))."
        var a = anomaly(context, channel: "buyer_switch", code: b.code, partner: p, fell: b.fell, rose: b.rose, offset: min(b.offset, 5),
                        summary: summary, settings: settings)
        if case .object(var e) = a.evidence {
            e["buyer_controlled_codes"] = .array(b.controlled.map { .string($0) })
            a.evidence = .object(e)
        }
        return a
    }
}
