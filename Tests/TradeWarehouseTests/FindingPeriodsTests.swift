import Testing
@testable import TradeWarehouse

/// The periods whose rows a finding's file citation looks up: the years of its span and its months,
/// as the warehouse writes them.
@Suite("finding periods") struct FindingPeriodsTests {
    @Test func aMonthlySpanListsItsMonthsAndTheYearsItTouches() {
        #expect(Warehouse.periods(from: "2020-11", to: "2021-02")
                == ["2020", "2021", "2020-11", "2020-12", "2021-01", "2021-02"])
    }

    @Test func anAnnualSpanListsItsYearsAndEveryMonthOfThem() {
        let periods = Warehouse.periods(from: "2019", to: "2020")
        #expect(periods.prefix(2) == ["2019", "2020"])
        #expect(periods.count == 2 + 24)
        #expect(periods[2] == "2019-01" && periods.last == "2020-12")
    }

    @Test func boundsThatAreNotPeriodsOrRunBackwardsListNothing() {
        #expect(Warehouse.periods(from: "", to: "2020").isEmpty)
        #expect(Warehouse.periods(from: "2021", to: "2020").isEmpty)
    }
}
