import Foundation

/// A one-line progress display on stderr for long loads on a terminal:
/// files done of total, rows, rows/s and an ETA from the bytes still to read.
final class ProgressLine {
    private let enabled: Bool
    private let totalFiles: Int
    private let totalBytes: Int64
    private var rows = 0
    private var filesStarted = 0
    private var bytesDone: Int64 = 0
    private var currentSize: Int64 = 0
    private var fileName = ""
    private let started = Date()
    private var lastDraw = Date.distantPast

    init(enabled: Bool, totalFiles: Int = 0, totalBytes: Int64 = 0) {
        self.enabled = enabled
        self.totalFiles = totalFiles
        self.totalBytes = totalBytes
    }

    func startFile(_ name: String, size: Int64) {
        guard enabled else { return }
        filesStarted += 1
        fileName = name
        currentSize = size
        draw(force: true)
    }

    /// The current file is done (loaded, skipped or failed): its bytes count as read.
    func finishFile(size: Int64) {
        guard enabled else { return }
        bytesDone += size
    }

    func row() {
        guard enabled else { return }
        rows += 1
        if rows & 0x3FFF == 0 { draw(force: false) }
    }

    func finish() {
        guard enabled, filesStarted > 0 else { return }
        draw(force: true)
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func draw(force: Bool) {
        let now = Date()
        guard force || now.timeIntervalSince(lastDraw) > 0.2 else { return }
        lastDraw = now
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let rate = Double(rows) / elapsed
        var eta = "—"
        if bytesDone > 0, totalBytes > bytesDone {
            let seconds = Double(totalBytes - bytesDone) / (Double(bytesDone) / elapsed)
            eta = String(format: "%.0fs", seconds)
        }
        let line = String(format: "\r\u{1B}[K%d/%d files · %d rows · %.0f rows/s · ETA %@ · %@",
                          filesStarted, totalFiles, rows, rate, eta, fileName)
        FileHandle.standardError.write(Data(line.utf8))
    }
}
