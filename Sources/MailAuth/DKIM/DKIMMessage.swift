// The view of a message DKIM needs: header fields exactly as they arrived (bytes, folding and
// all) and where the body starts. RFC 6376 signs the bytes, so nothing here decodes anything.

import Foundation
import MailMessage

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

/// A message split into header fields and body (by MailMessage's one header splitter). Bare LF line ends (files on disk) are turned
/// into CRLF first, as the message would be on the wire (RFC 6376 §5.3 "convert to CRLF").
public struct DKIMMessage: Sendable {
    public let bytes: [UInt8]
    public let headers: [DKIMHeaderField]
    /// Index in `bytes` of the first body byte (== bytes.count when there is no body).
    public let bodyStart: Int

    public init(_ message: [UInt8]) {
        let bytes = Self.normalizingLineEnds(message)
        // The one header splitter (MailMessage's HeaderParser, RFC 5322 §2.2).
        let (section, bodyStart) = HeaderSection.parse(bytes)
        self.init(bytes: bytes, headers: section.fields.map { DKIMHeaderField(name: $0.name, raw: bytes[$0.range.range]) },
                  bodyStart: bodyStart)
    }

    private init(bytes: [UInt8], headers: [DKIMHeaderField], bodyStart: Int) {
        self.bytes = bytes
        self.headers = headers
        self.bodyStart = bodyStart
    }

    /// A message already parsed by MailMessage, as it was received: its fields are reused.
    public init(_ parsed: MIMEMessage) {
        let bytes = parsed.bytes
        guard !Self.hasBareLineFeed(bytes) else {
            self.init(bytes)
            return
        }
        self.init(bytes: bytes, headers: parsed.header.fields.map { DKIMHeaderField(name: $0.name, raw: $0.raw) },
                  bodyStart: parsed.header.range.end)
    }

    /// The view of a message received through the reception pipeline, edits applied, from its
    /// one parse: no bytes are split again (unless it has bare LF line ends, which DKIM must
    /// turn into CRLF first and which SMTP never lets through).
    public init(_ received: ReceivedMessage) {
        let bytes = received.bytes
        guard !Self.hasBareLineFeed(bytes) else {
            self.init(bytes)
            return
        }
        var headers: [DKIMHeaderField] = received.prepended.map { DKIMHeaderField(name: $0.name, raw: bytes[$0.range.range]) }
        // Received fields move by what was put on top, less what was taken out before them.
        var shift = received.prepended.reduce(0) { $0 + $1.raw.count }
        for (index, field) in received.parsed.header.fields.enumerated() {
            if received.removed.contains(index) {
                shift -= field.raw.count
                continue
            }
            headers.append(DKIMHeaderField(name: field.name, raw: bytes[(field.range.offset + shift)..<(field.range.end + shift)]))
        }
        self.init(bytes: bytes, headers: headers, bodyStart: received.bodyStart + received.headerDelta)
    }

    public var body: ArraySlice<UInt8> { bytes[bodyStart...] }

    static func hasBareLineFeed(_ message: [UInt8]) -> Bool {
        // memchr from LF to LF: runs once over every received message, however large.
        message.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return false }
            var offset = 0
            while offset < buffer.count, let hit = memchr(base + offset, 0x0A, buffer.count - offset) {
                let index = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if index == 0 || base[index - 1] != 0x0D { return true }
                offset = index + 1
            }
            return false
        }
    }

    /// Every bare LF becomes CRLF; a bare CR is left alone (it is part of a line's content).
    static func normalizingLineEnds(_ message: [UInt8]) -> [UInt8] {
        guard hasBareLineFeed(message) else { return message }
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
