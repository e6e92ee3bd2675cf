import Foundation

/// A String as a dictionary key, hashed and compared by its UTF-8 bytes. A String key is compared
/// by canonical equivalence, so every lookup of a non-ASCII name (a Chinese partner name) normalizes
/// it first; this key does not. Two spellings of the same text are two keys, so a cache keyed this
/// way may miss once more, never answer wrongly.
struct UTF8Key: Hashable {
    let string: String

    static func == (a: UTF8Key, b: UTF8Key) -> Bool {
        var x = a.string, y = b.string
        return x.withUTF8 { p in
            y.withUTF8 { q in p.count == q.count && (p.count == 0 || memcmp(p.baseAddress!, q.baseAddress!, p.count) == 0) }
        }
    }

    func hash(into hasher: inout Hasher) {
        var s = string
        s.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
