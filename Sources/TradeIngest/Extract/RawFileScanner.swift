import Crypto
import Foundation
import TradeCore
import TradeConfig

/// A raw file found for a source, with what the manifest needs to skip unchanged files.
public struct ScannedFile: Sendable, Hashable {
    public var file: RawFile
    /// Path relative to the raw directory, `/`-separated (`china-customs/2024-01.csv`).
    public var relativePath: String
    public var size: Int64
    public var modified: Date
    /// Lower-case hex SHA-256 of the content (nil when hashing was not asked for).
    public var sha256: String?
}

/// What a scan found: the files in path order, and files skipped with a located reason.
public struct RawFileScan: Sendable {
    public var files: [ScannedFile]
    /// Symlinks that point outside the raw directory, unreadable entries: reported, not read.
    public var skipped: [Diagnostic]
}

/// Finds a definition's files under the raw directory (`*`, `?`, `**` globs relative to it),
/// sorted by path, and hashes them with SHA-256 in 1 MiB chunks.
public enum RawFileScanner {
    /// `rawDisplay` is how the raw directory appears in paths shown to users (`Raw`).
    /// A pattern with `..` or an absolute path throws, located at the pattern in the YAML.
    public static func scan(_ definition: SourceDefinition, rawDirectory: URL, rawDisplay: String,
                            hashing: Bool = true) throws -> RawFileScan {
        let root = rawDirectory.standardizedFileURL.resolvingSymlinksInPath()
        var found: [String: URL] = [:]
        var skipped: [Diagnostic] = []
        for (i, pattern) in definition.patterns.enumerated() {
            let location = definition.keyLocations["files.\(i)"] ?? definition.location(of: "files")
            if pattern.hasPrefix("/") || pattern.hasPrefix("~") {
                throw Diagnostic("file pattern \"\(pattern)\" must be relative to the raw directory", at: location,
                                 source: definition.name)
            }
            if pattern.split(separator: "/").contains("..") {
                throw Diagnostic("file pattern \"\(pattern)\" may not leave the raw directory (\"..\")", at: location,
                                 source: definition.name)
            }
            let glob = GlobPattern(pattern)
            let base = glob.literalPrefix.reduce(root) { $0.appendingPathComponent($1, isDirectory: true) }
            for relative in try walk(base, root: root) where glob.matches(relative) {
                found[relative] = root.appendingPathComponent(relative)
            }
        }
        var files: [ScannedFile] = []
        for relative in found.keys.sorted() {
            let url = found[relative]!
            let display = rawDisplay.isEmpty ? relative : "\(rawDisplay)/\(relative)"
            let resolved = url.resolvingSymlinksInPath().path
            guard resolved.hasPrefix(root.path + "/") else {
                skipped.append(Diagnostic("skipped: symbolic link points outside the raw directory (to \(resolved))",
                                          at: SourceLocation(file: display, line: 1), source: definition.name))
                continue
            }
            let attributes: [FileAttributeKey: Any]
            do {
                attributes = try FileManager.default.attributesOfItem(atPath: resolved)
            } catch {
                skipped.append(Diagnostic("skipped: cannot read file attributes: \(error.localizedDescription)",
                                          at: SourceLocation(file: display, line: 1), source: definition.name))
                continue
            }
            guard (attributes[.type] as? FileAttributeType) == .typeRegular else { continue }
            let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
            let modified = (attributes[.modificationDate] as? Date) ?? Date(timeIntervalSince1970: 0)
            let digest = hashing ? try sha256(of: url, display: display) : nil
            files.append(ScannedFile(file: RawFile(url: url, displayPath: display), relativePath: relative,
                                     size: size, modified: modified, sha256: digest))
        }
        return RawFileScan(files: files, skipped: skipped)
    }

    /// Relative paths of the files (and symlinks to files) below `directory`; hidden entries skipped.
    static func walk(_ directory: URL, root: URL) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return []
        }
        let prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
        var result: [String] = []
        var stack = [directory]
        var visited = Set<String>()
        while let dir = stack.popLast() {
            let real = dir.resolvingSymlinksInPath().path
            guard visited.insert(real).inserted else { continue }
            let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            for name in names where !name.hasPrefix(".") {
                let url = dir.appendingPathComponent(name)
                var sub: ObjCBool = false
                let type = try FileManager.default.attributesOfItem(atPath: url.path)[.type] as? FileAttributeType
                let isLink = type == .typeSymbolicLink
                if FileManager.default.fileExists(atPath: url.path, isDirectory: &sub), sub.boolValue, !isLink {
                    stack.append(url)
                } else if url.path.hasPrefix(prefix) {
                    result.append(String(url.path.dropFirst(prefix.count)))
                }
            }
        }
        return result
    }

    /// Lower-case hex SHA-256 of a file, read in 1 MiB chunks.
    public static func sha256(of url: URL, display: String) throws -> String {
        let input = try RawInput(url: url, display: display)
        defer { input.close() }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = try input.read(into: &buffer, count: buffer.count)
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
