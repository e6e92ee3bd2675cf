import Foundation

/// A Comtrade answer (`{"elapsedTime", "count", "data": [...], "error"}`) checked for use: valid
/// JSON, no `error`, a `count` that agrees with its `data`. Each record keeps its bytes as sent.
struct ComtradeResponse {
    struct Record {
        /// The record's JSON exactly as the server wrote it.
        var bytes: ArraySlice<UInt8>
        var reporter: String?
        var period: String?
        var lastReleased: String?
    }

    var count: Int
    var records: [Record]

    init(body: Data) throws {
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw FetchFailure.invalidResponse("the response is not a JSON object")
            }
            object = parsed
        } catch let failure as FetchFailure {
            throw failure
        } catch {
            throw FetchFailure.invalidResponse("the response is not complete JSON (\(body.count) bytes): \(error.localizedDescription)")
        }
        if let error = object["error"] as? String, !error.isEmpty {
            throw FetchFailure.invalidResponse("the API answered with an error: \(error)")
        }
        guard let data = object["data"] as? [Any] else {
            throw FetchFailure.invalidResponse("the response has no data array")
        }
        guard let count = Self.integer(object["count"]) else {
            throw FetchFailure.invalidResponse("the response has no count")
        }
        guard count == data.count else {
            throw FetchFailure.invalidResponse("count \(count) disagrees with the \(data.count) records in data")
        }
        let bytes = [UInt8](body)
        guard let spans = JSONMemberSpans.elements(ofMember: "data", in: bytes), spans.count == data.count else {
            throw FetchFailure.invalidResponse("the data array cannot be split into its records")
        }
        self.count = count
        records = try zip(spans, data).map { span, element in
            guard let record = element as? [String: Any] else {
                throw FetchFailure.invalidResponse("a data element is not an object")
            }
            return Record(bytes: bytes[span], reporter: Self.text(record["reporterCode"]),
                          period: Self.text(record["period"]), lastReleased: Self.text(record["lastReleased"]))
        }
    }

    static func integer(_ value: Any?) -> Int? {
        if let number = value as? Int { return number }
        if let number = value as? Double, number == number.rounded(), abs(number) < 1e15 { return Int(number) }
        return nil
    }

    /// A code or period as text whether the API wrote it as a string or a number.
    static func text(_ value: Any?) -> String? {
        if let text = value as? String { return text }
        if let number = integer(value) { return String(number) }
        return nil
    }
}
