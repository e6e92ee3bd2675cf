/// Numbers from UTF-8 bytes without making a String: accepts exactly what `Double(String)` accepts.
public enum DecimalText {
    /// 10^k for k in 0...22: exact as Doubles (a literal table, no lazy global on the hot path).
    @inline(__always)
    private static func powerOfTen(_ k: Int) -> Double {
        switch k {
        case 0: 1e0
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        case 15: 1e15
        case 16: 1e16
        case 17: 1e17
        case 18: 1e18
        case 19: 1e19
        case 20: 1e20
        case 21: 1e21
        default: 1e22
        }
    }

    /// `Double(String(decoding: bytes, as: UTF8.self))`, with a fast path for plain decimals
    /// (`-12.5`, `4.9`, `300`): up to 15 significant digits and 22 fraction digits, the value
    /// is an exact integer divided by an exact power of ten, which IEEE division rounds
    /// correctly, so the result is the same Double `strtod` gives. Anything else (exponents,
    /// long mantissas, `nan`, `inf`, hex, garbage) goes through `Double(String)`.
    public static func double(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        plain(bytes) ?? Double(String(decoding: bytes, as: UTF8.self))
    }

    /// The fast path of `double` alone: the value of a plain decimal (`[+-]digits[.digits]`, at least
    /// one digit, within the exact range above); nil for anything else, which the caller judges.
    @inline(__always)
    public static func plain(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0
        let n = bytes.count
        var negative = false
        if i < n, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        var sawDot = false
        var plain = i < n
        while i < n {
            let b = bytes[i]
            if b == UInt8(ascii: ".") {
                if sawDot { plain = false; break }
                sawDot = true
            } else {
                let d = b &- 48
                if d >= 10 { plain = false; break }
                if mantissa != 0 || d != 0 { digits += 1 }
                mantissa = mantissa &* 10 &+ UInt64(d)
                if sawDot { fractionDigits += 1 }
                if digits > 15 || fractionDigits > 22 { plain = false; break }
            }
            i += 1
        }
        // At least one digit: "", "-", "." and "-." are not numbers.
        if plain && (n - (negative || bytes[0] == UInt8(ascii: "+") ? 1 : 0)) > (sawDot ? 1 : 0) {
            let value = Double(mantissa) / powerOfTen(fractionDigits)
            return negative ? -value : value
        }
        return nil
    }
}
