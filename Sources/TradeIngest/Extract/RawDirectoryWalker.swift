import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a walk below one folder of the raw directory found.
public struct RawDirectoryListing: Sendable {
    /// Relative paths (`/`-separated, from the raw root) of regular files and of symlinks that do
    /// not point to folders (the scan checks where those point), in no particular order.
    public var files: [String] = []
    /// Entries that cannot be read as files, each to be reported once, located.
    public var problems: [RawDirectoryProblem] = []
}

/// An entry of the raw directory that is refused without being opened.
public struct RawDirectoryProblem: Sendable, Hashable {
    /// Relative path from the raw root (`""` for the root itself); a folder ends in `/`, bytes
    /// that are not UTF-8 show as `\xNN`.
    public var relativePath: String
    public var message: String
}

/// Lists the raw directory with `opendir`/`readdir`/`lstat` on the names' bytes.
///
/// Foundation's listing cannot represent a name that is not UTF-8 (a GBK name, as unzipping a
/// Chinese archive gives) and fails the whole folder; here that name is one problem and its
/// neighbours are still listed. Entry types come from `lstat`, so a FIFO, socket or device is
/// refused without being opened (opening a FIFO blocks until a writer appears).
public enum RawDirectoryWalker {
    /// Files and problems below `relativeDirectory` (`""` for the root) of the canonical absolute
    /// path `root`; hidden entries are skipped and symlinks to folders are not followed. A start
    /// folder that does not exist lists nothing.
    public static func walk(root: String, under relativeDirectory: String) -> RawDirectoryListing {
        var listing = RawDirectoryListing()
        var pending = [relativeDirectory]
        while let folder = pending.popLast() {
            guard let handle = opendir(absolute(root, folder)) else {
                let code = errno
                if folder == relativeDirectory && (code == ENOENT || code == ENOTDIR) { continue }
                listing.problems.append(RawDirectoryProblem(relativePath: folder.isEmpty ? "" : folder + "/",
                                                            message: "cannot read folder: \(String(cString: strerror(code)))"))
                continue
            }
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
                if name.first == UInt8(ascii: ".") { continue }  // hidden, `.` and `..`
                let text = String(decoding: name, as: UTF8.self)
                guard text.utf8.elementsEqual(name) else {  // decoding repaired an invalid sequence
                    listing.problems.append(RawDirectoryProblem(relativePath: join(folder, escaped(name)),
                                                                message: notUTF8Message(name)))
                    continue
                }
                classify(join(folder, text), root: root, into: &listing, pending: &pending)
            }
            closedir(handle)
        }
        return listing
    }

    private static func classify(_ relative: String, root: String, into listing: inout RawDirectoryListing,
                                 pending: inout [String]) {
        let path = absolute(root, relative)
        var info = stat()
        guard lstat(path, &info) == 0 else {
            listing.problems.append(RawDirectoryProblem(
                relativePath: relative, message: "cannot read file attributes: \(String(cString: strerror(errno)))"))
            return
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            pending.append(relative)
        case S_IFREG:
            listing.files.append(relative)
        case S_IFLNK:
            var target = stat()
            if stat(path, &target) == 0 && target.st_mode & S_IFMT == S_IFDIR { return }
            listing.files.append(relative)
        default:
            listing.problems.append(RawDirectoryProblem(relativePath: relative,
                                                        message: notRegularMessage(mode: info.st_mode)))
        }
    }

    /// "not a regular file (a FIFO); not read" — for entries the loader must never open.
    public static func notRegularMessage(mode: mode_t) -> String {
        let kind: String
        switch mode & S_IFMT {
        case S_IFIFO: kind = "a FIFO"
        case S_IFSOCK: kind = "a socket"
        case S_IFCHR: kind = "a character device"
        case S_IFBLK: kind = "a block device"
        case S_IFDIR: kind = "a folder"
        default: kind = "of an unknown type"
        }
        return "not a regular file (\(kind)); not read"
    }

    /// The name with every byte outside printable ASCII as `\xNN`, so the message names it exactly.
    static func escaped(_ name: [UInt8]) -> String {
        name.map { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") ? String(UnicodeScalar($0)) : String(format: "\\x%02X", $0) }
            .joined()
    }

    /// Why a name is refused, with its GB18030 reading when it has one (the usual case: an archive
    /// made on a Chinese Windows system and unzipped without converting names).
    static func notUTF8Message(_ name: [UInt8]) -> String {
        var message = "file name is not valid UTF-8"
        if let gb = gb18030(name) { message += " (as GB18030 it reads \"\(gb)\")" }
        return message + "; not read: rename it to UTF-8 (e.g. `convmv -f gbk -t utf-8`, or `unzip -O gbk`)"
    }

    /// `name` decoded as GB18030 by `iconv`, nil when it is not valid GB18030 either.
    private static func gb18030(_ name: [UInt8]) -> String? {
        let cd = iconv_open("UTF-8", "GB18030")
        guard cd != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(cd) }
        var input = name.map { CChar(bitPattern: $0) }
        var output = [CChar](repeating: 0, count: name.count * 4 + 4)
        let ok: Bool = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                var inPointer: UnsafeMutablePointer<CChar>? = inBuffer.baseAddress
                var outPointer: UnsafeMutablePointer<CChar>? = outBuffer.baseAddress
                var inLeft = inBuffer.count
                var outLeft = outBuffer.count - 1
                return iconv(cd, &inPointer, &inLeft, &outPointer, &outLeft) != -1 && inLeft == 0
            }
        }
        guard ok else { return nil }
        return String(validatingCString: output)
    }

    private static func absolute(_ root: String, _ relative: String) -> String {
        relative.isEmpty ? root : (root.hasSuffix("/") ? root + relative : root + "/" + relative)
    }

    private static func join(_ folder: String, _ name: String) -> String {
        folder.isEmpty ? name : folder + "/" + name
    }
}
