/// CRC-32 (IEEE 802.3, the ZIP checksum), slicing-by-8: eight table lookups per 8 bytes instead of
/// one per byte. ZIPFoundation's byte-wise CRC was about a tenth of an XLSX read; this one runs
/// several times faster and keeps every entry checked.
struct ZipCRC32 {
    private(set) var value: UInt32 = 0

    /// `tables[k][b]`: the CRC of byte `b` followed by `k` zero bytes.
    private static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for b in 0..<256 {
            var c = UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            t[b] = c
        }
        for b in 0..<256 {
            for k in 1..<8 {
                let previous = t[(k - 1) * 256 + b]
                t[k * 256 + b] = (previous >> 8) ^ t[Int(previous & 0xFF)]
            }
        }
        return t
    }()

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        var crc = ~value
        var p = base
        var n = bytes.count
        Self.tables.withUnsafeBufferPointer { t in
            while n >= 8 {
                let low = crc ^ p.loadUnaligned(as: UInt32.self).littleEndian
                let high = (p + 4).loadUnaligned(as: UInt32.self).littleEndian
                crc = t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((low >> 16) & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                    ^ t[3 * 256 + Int(high & 0xFF)] ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                p += 8
                n -= 8
            }
            while n > 0 {
                crc = (crc >> 8) ^ t[Int((crc ^ UInt32(p.load(as: UInt8.self))) & 0xFF)]
                p += 1
                n -= 1
            }
        }
        value = ~crc
    }
}
