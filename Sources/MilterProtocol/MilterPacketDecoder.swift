// Framing before grammar: a milter packet is a 4-octet big-endian length (the command octet
// included), one command octet, then `length - 1` octets of data (mfdef.h, libmilter comm.c).

/// One packet off the wire.
public struct MilterPacket: Sendable, Equatable {
    public var code: UInt8
    public var data: [UInt8]

    public init(code: UInt8, data: [UInt8] = []) {
        self.code = code
        self.data = data
    }

    /// The packet as sent: length, code, data.
    public var encoded: [UInt8] {
        let length = UInt32(data.count + 1)
        var out: [UInt8] = [UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
        out.reserveCapacity(data.count + 5)
        out.append(code)
        out += data
        return out
    }
}

/// A violation of the framing or of a reply's grammar.
public enum MilterProtocolError: Error, Sendable, Equatable {
    /// A length of zero (no command octet) or beyond the configured maximum.
    case badPacketLength(Int)
    /// A reply code the protocol does not define, or one not allowed here.
    case unexpectedReply(UInt8)
    /// A reply whose data does not parse.
    case malformed(String)
    /// More modifications (or a bigger one) than the limits allow.
    case limitExceeded(String)
}

/// Splits a byte stream into packets. Bytes may arrive in any split: `append` then `next`
/// until it returns nil. A bad length is an error before the data is buffered.
public struct MilterPacketDecoder: Sendable {
    public let maxPacketSize: Int
    private var buffer: [UInt8] = []
    private var start = 0

    public init(maxPacketSize: Int) {
        self.maxPacketSize = maxPacketSize
    }

    public mutating func append<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if start > 0 && start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Octets held but not yet returned as a packet.
    public var buffered: Int { buffer.count - start }

    public mutating func next() throws(MilterProtocolError) -> MilterPacket? {
        guard buffered >= 4 else { return nil }
        let length = buffer[start..<start + 4].reduce(0) { $0 << 8 | Int($1) }
        guard length >= 1, length <= maxPacketSize else { throw .badPacketLength(length) }
        guard buffered >= 4 + length else { return nil }
        let code = buffer[start + 4]
        let data = Array(buffer[(start + 5)..<(start + 4 + length)])
        start += 4 + length
        return MilterPacket(code: code, data: data)
    }
}

/// Reads the NUL-terminated strings and big-endian integers of a packet's data.
struct MilterDataReader {
    private let data: [UInt8]
    private(set) var index = 0

    init(_ data: [UInt8]) { self.data = data }

    var isAtEnd: Bool { index >= data.count }

    mutating func uint32() throws(MilterProtocolError) -> UInt32 {
        guard data.count - index >= 4 else { throw .malformed("short integer") }
        defer { index += 4 }
        return data[index..<index + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// A string up to its NUL, which must be there.
    mutating func string() throws(MilterProtocolError) -> [UInt8] {
        guard let nul = data[index...].firstIndex(of: 0) else { throw .malformed("string without NUL") }
        defer { index = nul + 1 }
        return Array(data[index..<nul])
    }

    /// The rest of the data.
    mutating func rest() -> [UInt8] {
        defer { index = data.count }
        return Array(data[min(index, data.count)...])
    }
}
