import Foundation
import Testing
import TradeTestSupport
import TradeCore
// Transitive dependencies of TradeRunner (declared dependencies of this target are TradeRunner,
// TradeWarehouse, TradeCore; Package.swift is not ours to edit): the fuzz target is the reader itself.
import TradeConfig
import TradeIngest

extension Faults {
    /// Property-based fuzzing of the CSV reader and the China customs normalizer: for any byte
    /// string, a file yields rows and rejected rows that balance, or one located `Diagnostic`;
    /// never a crash, a hang or an unlocated error.
    ///
    /// `TRADEWATCH_FUZZ_ITERATIONS` (default 2,000) and `TRADEWATCH_FAULTS_SEED` set the run;
    /// `make fuzz` runs it long (tools/fuzz/run.sh). A failing case prints its seed and iteration
    /// and leaves its bytes in the temporary directory.
    @Suite struct Fuzz {
        static let display = "Raw/china-customs/fuzz.csv"
        static let header = "数据年月,商品编码,商品名称,贸易伙伴编码,贸易伙伴名称,第一数量,第一计量单位,第二数量,第二计量单位,美元"

        /// Fragments the generator strings together: CSV structure and plausible values.
        static let fragments: [[UInt8]] = {
            var f: [[UInt8]] = [",", "\"", "\"\"", "\r", "\n", "\r\n", ",,", "\",\"", "\"\n\"", " ",
                                "202401", "202313", "2024-01", "28053011", "28469014", "2846901", "日本", "新加坡", "火星",
                                "千克", "吨", "克", "个", "1,500", "\"1,500\"", "-5", "abc", "1e308", "NaN", "0", "49983",
                                "1234,5", "12,34", "0x10", "inf", "1e309",
                                "4521504", "钕", "氧化铕", "\u{FEFF}", "é", "\u{2028}"].map { Array($0.utf8) }
            return f
        }()

        /// Trouble: NULs, invalid UTF-8, GBK / GB18030 bytes (中国 日本 千克, a four-byte
        /// GB18030 sequence, cut sequences) that turn the file into GB18030 or undecodable.
        static let trouble: [[UInt8]] = [
            [0], [0, 0], [0xFF], [0xFE, 0xFF], [0xC3], [0xC3, 0x28], [0xE2, 0x82], [0xF0, 0x9F, 0x98, 0x80],
            [0xD6, 0xD0, 0xB9, 0xFA], [0xC8, 0xD5, 0xB1, 0xBE], [0xC7, 0xA7, 0xBF, 0xCB],
            [0x81, 0x30, 0x81, 0x30], [0x81], [0x81, 0x30],
        ]

        static func input(_ rng: inout SeededGenerator) -> [UInt8] {
            var bytes: [UInt8] = []
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: break                                                       // no header at all
            case 1: bytes += [0xEF, 0xBB, 0xBF] + Array((header + "\r\n").utf8)  // BOM, CRLF
            case 2: bytes += Array((header + ",贸易方式,注册地\n").utf8)           // breakdown columns (sum_over)
            default: bytes += Array((header + "\n").utf8)
            }
            let pieces = Int.random(in: 0...60, using: &rng)
            // One input in three carries byte-level trouble; the others stress structure and values.
            let troubled = Int.random(in: 0..<3, using: &rng) == 0
            for _ in 0..<pieces {
                switch Int.random(in: 0..<(troubled ? 24 : 20), using: &rng) {
                case 0, 1, 2:   // a well-formed row
                    bytes += Array("202401,28053011,钕,,日本,49983,千克,,,4521504\n".utf8)
                case 3:   // a long field, sometimes past the record limit (4 KiB below)
                    bytes += [UInt8](repeating: UInt8(ascii: "x"), count: Int.random(in: 100...(troubled ? 6_000 : 3_000), using: &rng))
                case 4:   // a wide row, sometimes past the column limit (64 below)
                    bytes += Array(String(repeating: ",", count: Int.random(in: 1...(troubled ? 80 : 40), using: &rng)).utf8)
                case 20:  // random bytes
                    for _ in 0..<Int.random(in: 1...16, using: &rng) { bytes.append(UInt8.random(in: 0...255, using: &rng)) }
                case 21...:
                    bytes += trouble.randomElement(using: &rng)!
                default:
                    bytes += fragments.randomElement(using: &rng)!
                }
            }
            if Bool.random(using: &rng), !bytes.isEmpty {  // truncate anywhere
                bytes.removeLast(Int.random(in: 0...min(bytes.count, 20), using: &rng))
            }
            return bytes
        }

        /// `path:line[:col]: error: …`
        static let locatedPattern = #"^Raw/china-customs/fuzz\.csv:\d+(:\d+)?: error: "#

        @Test func anyBytesYieldBalancedRowsOrALocatedDiagnostic() throws {
            let iterations = FaultsKit.environmentInt("TRADEWATCH_FUZZ_ITERATIONS", 2_000)
            let pipelines = FaultsKit.packageRoot.appendingPathComponent("Pipelines")
            let reference = try ReferenceLoader.load(directory: pipelines.appendingPathComponent("reference"),
                                                     displayDirectory: "Pipelines/reference")
            var definition = try DefinitionLoader.loadSource(file: pipelines.appendingPathComponent("china-customs.yaml"),
                                                           display: "Pipelines/china-customs.yaml")
            // Low limits, so the fuzzer reaches the limit paths without megabyte inputs.
            let here = SourceLocation(file: "fuzz", line: 1)
            definition.options["max_record_bytes"] = LocatedValue(.scalar("4096"), at: here)
            definition.options["max_columns"] = LocatedValue(.scalar("64"), at: here)
            let reader = CSVTableReader { ChinaCustomsNormalizer() }
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tw-faults-fuzz-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let url = dir.appendingPathComponent("fuzz.csv")
            let file = RawFile(url: url, displayPath: Self.display)

            var rng = SeededGenerator(seed: FaultsKit.seed)
            var loaded = 0, rejected = 0, refused = 0, failures = 0
            let started = Date()
            for iteration in 0..<iterations {
                let bytes = Self.input(&rng)
                try Data(bytes).write(to: url)
                var problem: String?
                var outcomes = 0
                do {
                    let summary = try reader.readCounting(file, definition: definition, reference: reference) { outcome in
                        outcomes += 1
                        if case .rejected(let row) = outcome {
                            if row.location.file != Self.display || row.location.line < 1 || row.reason.isEmpty {
                                problem = "rejected row without a location or reason: \(row)"
                            }
                        }
                    }
                    if !summary.isBalanced {
                        problem = "unbalanced: \(summary.records) records read ≠ \(summary.rowsEmitted) emitted + \(summary.rowsRejected) rejected + \(summary.recordsMerged) merged"
                    } else if summary.outcomes != outcomes {
                        problem = "summary counts \(summary.outcomes) outcomes, \(outcomes) emitted"
                    }
                    loaded += summary.rowsEmitted
                    rejected += summary.rowsRejected
                } catch let diagnostic as Diagnostic {
                    refused += 1
                    let text = diagnostic.description
                    if text.range(of: Self.locatedPattern, options: .regularExpression) == nil || text.contains("\n") || text.contains("\r")
                        || text.count > Diagnostic.maxMessageLength + 200 {
                        problem = "diagnostic is not one located line: \(text)"
                    }
                } catch {
                    problem = "unlocated error \(type(of: error)): \(error)"
                }
                if let problem {
                    failures += 1
                    let keep = FileManager.default.temporaryDirectory.appendingPathComponent("tw-fuzz-failure-\(FaultsKit.seed)-\(iteration).csv")
                    try? Data(bytes).write(to: keep)
                    Issue.record("seed \(FaultsKit.seed) iteration \(iteration): \(problem) (input kept at \(keep.path))")
                    if failures >= 10 { break }
                }
            }
            try? FileManager.default.removeItem(at: dir)
            print("fuzz: \(iterations) inputs in \(String(format: "%.1f", Date().timeIntervalSince(started))) s — \(loaded) rows loaded, \(rejected) rejected, \(refused) files refused with a located diagnostic")
            // The generator must exercise all three outcomes, or it is not testing much.
            #expect(loaded > 0 && rejected > 0 && refused > 0)
        }

        /// The bare reader over tiny chunks (records and characters split across reads): it ends,
        /// its lines only go forward, and it returns exactly the records it counts.
        @Test func csvReaderOverTinyChunksTerminatesWithOrderedLines() throws {
            let iterations = FaultsKit.environmentInt("TRADEWATCH_FUZZ_ITERATIONS", 2_000)
            var rng = SeededGenerator(seed: FaultsKit.seed &+ 1)
            for iteration in 0..<iterations {
                let bytes = Fuzz.input(&rng)
                let reader = CSVReader(source: MemoryChunkSource(bytes, chunkSize: Int.random(in: 1...7, using: &rng)),
                                       display: Self.display, limits: .init(maxRecordBytes: 4096, maxColumns: 64),
                                       bufferSize: 16)
                var returned = 0
                var lastLine = 0
                do {
                    while let record = try reader.next() {
                        returned += 1
                        #expect(record.line >= lastLine && record.line >= 1, "seed \(FaultsKit.seed) iteration \(iteration)")
                        lastLine = record.line
                        if returned > bytes.count + 1 {
                            Issue.record("seed \(FaultsKit.seed) iteration \(iteration): more records than bytes")
                            break
                        }
                    }
                    #expect(reader.recordCount == returned)
                } catch let diagnostic as Diagnostic {
                    #expect(diagnostic.location?.file == Self.display && (diagnostic.location?.line ?? 0) >= lastLine,
                            "seed \(FaultsKit.seed) iteration \(iteration): \(diagnostic)")
                }
            }
        }
    }
}
