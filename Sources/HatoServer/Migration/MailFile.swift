import Foundation
import MailStore

/// One message read from or written to an mbox file or a Maildir folder.
public struct MigratedMessage: Sendable, Equatable {
    public var bytes: [UInt8]
    public var flags: MessageFlags
    public var internalDate: Date
    public init(bytes: [UInt8], flags: MessageFlags, internalDate: Date) {
        self.bytes = bytes
        self.flags = flags
        self.internalDate = internalDate
    }
}

enum LineEndings {
    /// Converts bare LF line endings to CRLF (the form SMTP and IMAP use, RFC 5322 §2.1), leaving
    /// existing CRLF alone.
    static func toCRLF(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + bytes.count / 40)
        var previous: UInt8 = 0
        for byte in bytes {
            if byte == 0x0A && previous != 0x0D { output.append(0x0D) }
            output.append(byte)
            previous = byte
        }
        return output
    }

    /// Splits into lines, each keeping its terminator.
    static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        for index in bytes.indices where bytes[index] == 0x0A {
            lines.append(bytes[start...index])
            start = index + 1
        }
        if start < bytes.count { lines.append(bytes[start...]) }
        return lines
    }
}

/// Reads the header block of a message to find one field's value (unfolded), for the few
/// fields import needs (Status, X-Status, X-Keywords, Return-Path).
enum HeaderPeek {
    static func value(_ name: String, in bytes: [UInt8]) -> String? {
        let wanted = name.lowercased() + ":"
        var result: String? = nil
        for line in LineEndings.lines(bytes) {
            let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: CharacterSet(charactersIn: "\r\n"))
            if text.isEmpty { break }
            if result != nil, text.first == " " || text.first == "\t" {
                result! += " " + text.trimmingCharacters(in: .whitespaces)
                continue
            }
            if result != nil { break }
            if text.lowercased().hasPrefix(wanted) {
                result = text.dropFirst(wanted.count).trimmingCharacters(in: .whitespaces)
            }
        }
        return result
    }
}
