import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Plain sentences for Foundation and POSIX errors: their own descriptions on Linux read
/// "The operation could not be completed. (NSCocoaErrorDomain error 260.)", which names neither
/// the problem nor anything a person can act on. Callers add the path.
public enum ErrorText {
    public static func reason(_ error: any Error) -> String {
        if let diagnostic = error as? Diagnostic { return diagnostic.message }
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return posix(Int32(underlying.code))
        }
        if ns.domain == NSPOSIXErrorDomain { return posix(Int32(ns.code)) }
        if ns.domain == NSCocoaErrorDomain { return cocoa(CocoaError.Code(rawValue: ns.code)) }
        let text = ns.localizedDescription
        return text.contains("ErrorDomain") ? "input/output error (\(ns.domain) \(ns.code))" : text
    }

    static func posix(_ code: Int32) -> String { String(cString: strerror(code)) }

    static func cocoa(_ code: CocoaError.Code) -> String {
        switch code {
        case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or directory"
        case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
        case .fileWriteOutOfSpace: return "no space left on the device"
        case .fileWriteFileExists: return "a file of that name is already there"
        case .fileWriteVolumeReadOnly: return "the file system is read-only"
        case .fileReadTooLarge: return "the file is too large to read"
        case .fileReadCorruptFile: return "the file is damaged or in an unexpected format"
        case .fileReadInapplicableStringEncoding, .fileWriteInapplicableStringEncoding:
            return "the text is not in the expected encoding"
        case .fileReadInvalidFileName, .fileWriteInvalidFileName: return "the file name is not valid"
        case .fileLocking: return "the file is locked"
        default: return "input/output error (code \(code.rawValue))"
        }
    }
}
