import Crypto
import Foundation
import TradeCore
import TradeConfig
#if canImport(Glibc)
import Glibc
#endif

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
    /// Symlinks that point outside the raw directory, entries that are not regular files or whose
    /// name is not UTF-8, unreadable folders: reported, not read.
    public var skipped: [Diagnostic]
}

/// Finds a definition's files under the raw directory (`*`, `?`, `**` globs relative to it),
/// sorted by path, and hashes them with SHA-256 in 1 MiB chunks.
public enum RawFileScanner {
    /// `rawDisplay` is how the raw directory appears in paths shown to users (`Raw`).
    /// A pattern with `..` or an absolute path throws, located at the pattern in the YAML.
    /// Entries below a pattern's folder that cannot be read as files (a name that is not UTF-8, a
    /// FIFO, an unreadable folder) are `skipped` with a located reason; the other files are found.
    public static func scan(_ definition: SourceDefinition, rawDirectory: URL, rawDisplay: String,
                            hashing: Bool = true) throws -> RawFileScan {
        let root = canonicalRoot(rawDirectory)
        var found: [String: URL] = [:]
        var problems: [String: String] = [:]
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
            let listing = RawDirectoryWalker.walk(root: root.path, under: glob.literalPrefix.joined(separator: "/"))
            for relative in listing.files where glob.matches(relative) && !isIgnored(relative, by: definition.ignore) {
                found[relative] = root.appendingPathComponent(relative)
            }
            for problem in listing.problems { problems[problem.relativePath] = problem.message }
        }
        var skipped = problems.keys.sorted().map { relative in
            Diagnostic(problems[relative]!, at: SourceLocation(file: displayPath(rawDisplay, relative), line: 1),
                       source: definition.name)
        }
        var files: [ScannedFile] = []
        for relative in found.keys.sorted() {
            let display = displayPath(rawDisplay, relative)
            do {
                files.append(try scanFile(found[relative]!, relative: relative, root: root, display: display,
                                          hashing: hashing))
            } catch let diagnostic as Diagnostic {
                skipped.append(Diagnostic(diagnostic.message, at: SourceLocation(file: display, line: 1),
                                          source: definition.name))
            }
        }
        return RawFileScan(files: files, skipped: skipped)
    }

    /// Files no definition has to claim: editor backups, hidden and temporary files, notes
    /// (`README.txt`, `partners.csv~`). A definition's `files:` still reads one it names.
    public static let defaultIgnore = ["*~", ".*", "*.bak", "*.tmp", "*.swp", "#*#", "README*", "*.md", "*.txt"]

    /// True when an `ignore:` pattern matches: one with `/` the path relative to the raw
    /// directory, one without the file name.
    public static func isIgnored(_ relative: String, by patterns: [String]) -> Bool {
        let name = relative.split(separator: "/").last.map(String.init) ?? relative
        return patterns.contains { pattern in
            GlobPattern(pattern).matches(pattern.contains("/") ? relative : name)
        }
    }

    /// The raw directory with `.`, `..` and symlinks resolved: every spelling of it (`Raw`, `./Raw`,
    /// `Raw/`, an absolute path) gives the same root, so relative paths identify files across runs.
    public static func canonicalRoot(_ rawDirectory: URL) -> URL {
        rawDirectory.standardizedFileURL.resolvingSymlinksInPath()
    }

    /// `Raw/china-customs/a.csv`: how a file's path is shown (one `/` whatever the spelling of `--raw`).
    public static func displayPath(_ rawDisplay: String, _ relative: String) -> String {
        var prefix = rawDisplay
        while prefix.count > 1 && prefix.hasSuffix("/") { prefix.removeLast() }
        if prefix.isEmpty || relative.isEmpty { return prefix + relative }
        return prefix.hasSuffix("/") ? prefix + relative : prefix + "/" + relative
    }

    /// One found file; throws (the message is used, located by the caller) for a link out of the
    /// raw directory or an entry that is not a regular file.
    private static func scanFile(_ url: URL, relative: String, root: URL, display: String,
                                 hashing: Bool) throws -> ScannedFile {
        let resolved = url.resolvingSymlinksInPath().path
        guard resolved.hasPrefix(root.path + "/") else {
            throw Diagnostic("skipped: symbolic link points outside the raw directory (to \(resolved))")
        }
        var info = stat()
        guard stat(resolved, &info) == 0 else {
            throw Diagnostic("skipped: cannot read file attributes: \(String(cString: strerror(errno)))")
        }
        // Checked before anything opens it: opening a FIFO blocks until a writer appears.
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw Diagnostic(RawDirectoryWalker.notRegularMessage(mode: info.st_mode))
        }
        // Foundation's size and date, as the manifest stored them and as the read-time check compares them.
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: resolved)
        } catch {
            throw Diagnostic("skipped: cannot read file attributes: \(ErrorText.reason(error))")
        }
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? Int64(info.st_size)
        let modified = (attributes[.modificationDate] as? Date) ?? Date(timeIntervalSince1970: 0)
        let digest = hashing ? try sha256(of: url, display: display) : nil
        return ScannedFile(file: RawFile(url: url, displayPath: display), relativePath: relative,
                           size: size, modified: modified, sha256: digest)
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
