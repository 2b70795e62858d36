import NIOCore

/// The literal announced at the end of a command line part (RFC 9051 §4.3, RFC 7888 §3,
/// RFC 3516 §4.3 `literal8`).
public struct IMAPLiteralHeader: Sendable, Equatable, Hashable {
    /// Octets that follow the CRLF. `Int.max` stands for a count that does not fit (always too large).
    public var size: Int
    /// `{n}`: the client waits for a continuation request. `{n+}`: it does not.
    public var synchronizing: Bool
    /// `~{n}` / `~{n+}`: a literal8 that may contain NUL (BINARY, RFC 3516 §4.3).
    public var binary: Bool

    public init(size: Int, synchronizing: Bool, binary: Bool = false) {
        self.size = size
        self.synchronizing = synchronizing
        self.binary = binary
    }

    /// literal  = "{" number64 ["+"] "}" CRLF *CHAR8      (RFC 9051 §9, RFC 7888 §8)
    /// literal8 = "~{" number64 ["+"] "}" CRLF *OCTET    (RFC 3516 §4.2, RFC 4466 §2.1)
    ///
    /// Recognises a header at the very end of `line` (CRLF already removed) and returns it with
    /// the number of octets it occupies. A malformed header (`{}`, `{1a}`, `{5-}`) is not a
    /// literal: the line goes to the grammar as it is, which rejects it.
    static func parse(atEndOf line: ByteBufferView) -> (header: IMAPLiteralHeader, length: Int)? {
        guard line.last == UInt8(ascii: "}") else { return nil }
        var index = line.index(before: line.endIndex)
        var synchronizing = true
        if index > line.startIndex, line[line.index(before: index)] == UInt8(ascii: "+") {
            synchronizing = false
            index = line.index(before: index)
        }
        let digitsEnd = index
        while index > line.startIndex, isDigit(line[line.index(before: index)]) {
            index = line.index(before: index)
        }
        let digitsStart = index
        guard digitsStart < digitsEnd, index > line.startIndex,
              line[line.index(before: index)] == UInt8(ascii: "{") else { return nil }
        index = line.index(before: index)
        var binary = false
        if index > line.startIndex, line[line.index(before: index)] == UInt8(ascii: "~") {
            binary = true
            index = line.index(before: index)
        }
        var size = 0
        for digit in line[digitsStart..<digitsEnd] {
            let (times10, o1) = size.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(digit - UInt8(ascii: "0")))
            if o1 || o2 { size = Int.max; break }
            size = sum
        }
        let header = IMAPLiteralHeader(size: size, synchronizing: synchronizing, binary: binary)
        return (header, line.distance(from: index, to: line.endIndex))
    }

    /// Same as `parse(atEndOf:)` over plain bytes (the remembered tail of a skipped line).
    static func parse(atEndOf bytes: [UInt8]) -> IMAPLiteralHeader? {
        var buffer = ByteBuffer()
        buffer.writeBytes(bytes)
        return parse(atEndOf: buffer.readableBytesView)?.header
    }

    /// The longest header: "~{" + 19 digits of number64 + "+}".
    static let maximumLength = 23

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
