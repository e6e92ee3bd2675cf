import Foundation

/// A one-line progress display on stderr (files, rows/s) for long loads on a terminal.
final class Progress {
    private let enabled: Bool
    private var rows = 0
    private var files = 0
    private var fileName = ""
    private let started = Date()
    private var lastDraw = Date.distantPast

    init(enabled: Bool) { self.enabled = enabled }

    func startFile(_ name: String) {
        guard enabled else { return }
        files += 1
        fileName = name
        draw(force: true)
    }

    func row() {
        guard enabled else { return }
        rows += 1
        if rows & 0x3FFF == 0 { draw(force: false) }
    }

    func finish() {
        guard enabled, files > 0 else { return }
        draw(force: true)
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func draw(force: Bool) {
        let now = Date()
        guard force || now.timeIntervalSince(lastDraw) > 0.2 else { return }
        lastDraw = now
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let rate = Double(rows) / elapsed
        let line = String(format: "\r\u{1B}[K%d files · %d rows · %.0f rows/s · %@", files, rows, rate, fileName)
        FileHandle.standardError.write(Data(line.utf8))
    }
}
