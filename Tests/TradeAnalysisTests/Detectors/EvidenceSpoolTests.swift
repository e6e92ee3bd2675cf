import Foundation
import Testing
import TradeCore
@testable import TradeAnalysis

/// The spool gives back each text as written, by number, in any order, from memory or from its
/// temporary file, which is gone from the directory once created.
@Suite struct EvidenceSpoolTests {
    static let texts = ["{\"a\":1}", "", "{\"note\":\"Türkiye → 中国\",\"x\":[1,2.5,\"NaN\"]}",
                        String(repeating: "{\"k\":\"v\"},", count: 5_000)]

    @Test(arguments: [false, true]) func textsComeBackByNumber(inFile: Bool) throws {
        let spool = inFile ? try EvidenceSpool.temporaryFile() : .inMemory()
        let before = try FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path)
            .filter { $0.hasPrefix("tradewatch-evidence-") }
        var numbers: [Int] = []
        for text in Self.texts { numbers.append(try spool.append(text)) }
        #expect(numbers == [0, 1, 2, 3])
        for i in [3, 0, 2, 1, 2] {
            #expect(try spool.text(i) == Self.texts[i])
        }
        let after = try FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path)
            .filter { $0.hasPrefix("tradewatch-evidence-") }
        #expect(Set(after).isSubset(of: Set(before)), "the spool's file is unlinked")
    }
}
