// The view of a message DKIM needs: header fields exactly as they arrived (bytes, folding and
// all) and where the body starts. RFC 6376 signs the bytes, so nothing here decodes anything.

/// One header field as it appears in the message, including its final CRLF.
public struct DKIMHeaderField: Sendable, Hashable {
    /// The field name as written (case preserved).
    public var name: String
    /// The whole field: name, colon, value, folding and the terminating CRLF.
    public var raw: ArraySlice<UInt8>

    /// The bytes after the colon, up to but not including the terminating CRLF.
    public var rawValue: ArraySlice<UInt8> {
        let colon = raw.firstIndex(of: UInt8(ascii: ":")) ?? raw.startIndex
        var end = raw.endIndex
        if end - raw.startIndex >= 2, raw[end - 2] == 0x0D, raw[end - 1] == 0x0A { end -= 2 }
        return raw[min(colon + 1, end)..<end]
    }

    public func hasName(_ other: String) -> Bool {
        name.utf8.count == other.utf8.count && name.lowercased() == other.lowercased()
    }
}

/// A message split into header fields and body. Bare LF line ends (files on disk) are turned
/// into CRLF first, as the message would be on the wire (RFC 6376 §5.3 "convert to CRLF").
public struct DKIMMessage: Sendable {
    public let bytes: [UInt8]
    public let headers: [DKIMHeaderField]
    /// Index in `bytes` of the first body byte (== bytes.count when there is no body).
    public let bodyStart: Int

    public init(_ message: [UInt8]) {
        let bytes = Self.normalizingLineEnds(message)
        self.bytes = bytes
        var headers: [DKIMHeaderField] = []
        var index = 0
        var bodyStart = bytes.count
        let count = bytes.count
        while index < count {
            // The empty line that ends the header section (RFC 5322 §2.1).
            if bytes[index] == 0x0D, index + 1 < count, bytes[index + 1] == 0x0A {
                bodyStart = index + 2
                break
            }
            // A field runs to the CRLF that is not followed by WSP (a folded line continues it).
            let start = index
            var end = count
            var scan = index
            while scan < count {
                if bytes[scan] == 0x0D, scan + 1 < count, bytes[scan + 1] == 0x0A {
                    let next = scan + 2
                    if next < count, bytes[next] == 0x20 || bytes[next] == 0x09 {
                        scan = next
                        continue
                    }
                    end = next
                    break
                }
                scan += 1
            }
            let raw = bytes[start..<end]
            if let colon = raw.firstIndex(of: UInt8(ascii: ":")) {
                var nameEnd = colon
                // RFC 5322 §3.6.8 does not allow WSP before the colon, but obsolete syntax did; keep
                // the name without it (RFC 6376 §3.4.2 relaxed removes it anyway).
                while nameEnd > start, bytes[nameEnd - 1] == 0x20 || bytes[nameEnd - 1] == 0x09 { nameEnd -= 1 }
                headers.append(DKIMHeaderField(name: String(decoding: bytes[start..<nameEnd], as: UTF8.self), raw: raw))
            }
            index = end
        }
        self.headers = headers
        self.bodyStart = bodyStart
    }

    public var body: ArraySlice<UInt8> { bytes[bodyStart...] }

    /// Every bare LF becomes CRLF; a bare CR is left alone (it is part of a line's content).
    static func normalizingLineEnds(_ message: [UInt8]) -> [UInt8] {
        var needsWork = false
        for (offset, byte) in message.enumerated() where byte == 0x0A {
            if offset == 0 || message[offset - 1] != 0x0D { needsWork = true; break }
        }
        guard needsWork else { return message }
        var out: [UInt8] = []
        out.reserveCapacity(message.count + message.count / 40)
        var previous: UInt8 = 0
        for byte in message {
            if byte == 0x0A && previous != 0x0D { out.append(0x0D) }
            out.append(byte)
            previous = byte
        }
        return out
    }

    /// The header fields named in `names`, chosen as RFC 6376 §5.4.2 says: each name takes the
    /// last instance not yet used, from the bottom up; a name with no instance left selects
    /// nothing (it signs the absence of that field).
    public func selectHeaders(_ names: [String]) -> [DKIMHeaderField?] {
        var used = Set<Int>()
        return names.map { name in
            for index in headers.indices.reversed() where !used.contains(index) && headers[index].hasName(name) {
                used.insert(index)
                return headers[index]
            }
            return nil
        }
    }
}
