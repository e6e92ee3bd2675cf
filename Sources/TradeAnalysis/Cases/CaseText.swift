/// The number formats of findings, for the runner's summary and the reports.
public enum CaseText {
    public static func usd(_ v: Double) -> String { AnomalyText.usd(v) }
    public static func tonnes(_ t: Double) -> String { AnomalyText.tonnes(t) }
}
