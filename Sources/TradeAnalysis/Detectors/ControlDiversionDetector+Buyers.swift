import Foundation
import TradeCore

extension ControlDiversionDetector {
    /// A series' pre window (season-adjusted), post window, raw pre window and seasonal factor.
    typealias WindowSums = (pre: Double, post: Double, rawPre: Double, factor: Double)

    /// The buyer channel: one buyer's controlled lines of a heading fall while the same buyer's
    /// catch-all line of that heading rises by a comparable tonnage. `catchAlls`: the catch-all codes
    /// whose total over all partners did not fire; `window`: the regime's window sums of a series.
    func buyerSwitches(_ context: Context, catchAlls: [String], input: DetectionInput, settings: DetectorSettings,
                       window: (TradeCube.Series) -> WindowSums) -> [Anomaly] {
        let s = settings.controlDiversion, cube = input.cube, o = context.exporter
        var out: [Anomaly] = []
        for k in catchAlls {
            let controlled = context.controlled.filter { TradeCube.family($0) == TradeCube.family(k) }
            let buyers = Set(controlled.flatMap { cube.partners(o, .export, key: $0) }).intersection(cube.partners(o, .export, key: k))
            for p in buyers.sorted() {
                var series: TradeCube.Series = [:]
                for c in controlled {
                    let t = cube.partnerSeries(o, .export, key: c, partner: p)
                    for period in t.keys { series[period, default: Cell()].add(t[period]!) }
                }
                let fell = window(series), drop = fell.pre - fell.post
                guard fell.pre >= s.minTonnes, drop >= s.minTonnes, fell.post <= (1 - s.minControlledDrop) * fell.pre else { continue }
                let rose = window(cube.partnerSeries(o, .export, key: k, partner: p)), rise = rose.post - rose.pre
                guard rise >= s.minTonnes, rose.post >= (1 + s.minCatchAllRise) * max(rose.pre, s.floorTonnes) else { continue }
                let offset = rise / drop
                guard offset >= s.buyerMinOffsetShare, offset <= s.buyerMaxOffsetShare, offset >= s.minOffsetShare else { continue }
                let listed = controlled.map { input.catalog.label($0) }.joined(separator: ", ")
                let w = context.windows
                let summary = "After \(context.regime.regime) (effective \(context.regime.effective)), \(o) exports to \(p) of controlled "
                    + "\(listed) fell from \(AnomalyText.tonnes(fell.pre)) to \(AnomalyText.tonnes(fell.post)) in \(w.postText) vs "
                    + "\(w.preText)\(fell.factor != 1 ? " (season-adjusted)" : ""), while its \(input.catalog.label(k)) to \(p) rose from "
                    + "\(AnomalyText.tonnes(rose.pre)) to \(AnomalyText.tonnes(rose.post)): about \(AnomalyText.tonnes(min(rise, drop))) "
                    + "switched to the catch-all line, \(Self.takeUp(offset))."
                var a = anomaly(context, channel: "buyer_switch", code: k, partner: p, fell: fell, rose: rose, offset: min(offset, 5),
                                summary: summary, settings: settings)
                if case .object(var e) = a.evidence {
                    e["buyer_controlled_codes"] = .array(controlled.map { .string($0) })
                    a.evidence = .object(e)
                }
                out.append(a)
            }
        }
        return out
    }
}
