// IP addresses as DNS carries them: A RDATA (RFC 1035 §3.4.1) and AAAA RDATA (RFC 3596 §2.2),
// with text forms from RFC 4291 §2.2 (parsing) and RFC 5952 §4 (canonical output).
//
//   IPv4address = dec-octet "." dec-octet "." dec-octet "." dec-octet   ; RFC 3986 §3.2.2
//   dec-octet   = DIGIT / %x31-39 DIGIT / "1" 2DIGIT / "2" %x30-34 DIGIT / "25" %x30-35
//   IPv6address = per RFC 4291 §2.2: eight 16-bit hex pieces, one "::" may stand for a run of
//                 zero pieces, and the last 32 bits may be written as an IPv4address.

/// An IPv4 or IPv6 address.
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    case v4(IPv4Address)
    case v6(IPv6Address)

    public init?(_ text: String) {
        if let v4 = IPv4Address(text) {
            self = .v4(v4)
        } else if let v6 = IPv6Address(text) {
            self = .v6(v6)
        } else {
            return nil
        }
    }

    public var bytes: [UInt8] {
        switch self {
        case .v4(let a): a.bytes
        case .v6(let a): a.bytes
        }
    }

    public var description: String {
        switch self {
        case .v4(let a): a.description
        case .v6(let a): a.description
        }
    }

    /// The name queried for PTR records: RFC 1035 §3.5 (in-addr.arpa) and RFC 3596 §2.5 (ip6.arpa).
    public var reverseName: DNSName {
        var labels: [[UInt8]] = []
        switch self {
        case .v4(let a):
            labels = a.bytes.reversed().map { Array(String($0).utf8) }
            labels += [Array("in-addr".utf8), Array("arpa".utf8)]
        case .v6(let a):
            for byte in a.bytes.reversed() {
                labels.append([hexDigit(byte & 0x0F)])
                labels.append([hexDigit(byte >> 4)])
            }
            labels += [Array("ip6".utf8), Array("arpa".utf8)]
        }
        return DNSName(validatedLabels: labels)
    }

    /// True when the first `prefix` bits equal those of `network` (same family only).
    public func matches(_ network: IPAddress, prefix: Int) -> Bool {
        let a = bytes, b = network.bytes
        guard a.count == b.count, prefix >= 0, prefix <= a.count * 8 else { return false }
        var remaining = prefix
        for i in 0..<a.count where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if a[i] & mask != b[i] & mask { return false }
            remaining -= bits
        }
        return true
    }
}

func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? 0x30 + nibble : 0x61 + nibble - 10
}

public struct IPv4Address: Sendable, Hashable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 4, "an IPv4 address has 4 octets")
        self.bytes = bytes
    }

    /// Strict dotted quad: four decimal octets, no leading zeros (RFC 3986 §3.2.2 dec-octet).
    public init?(_ text: String) {
        let parts = text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.decimalDigit != nil }) else { return nil }
            if part.count > 1 && part.first == UInt8(ascii: "0") { return nil }
            let value = part.reduce(0) { $0 * 10 + $1.decimalDigit! }
            guard value <= 255 else { return nil }
            out.append(UInt8(value))
        }
        self.bytes = out
    }

    public var description: String { bytes.map { String($0) }.joined(separator: ".") }
}

public struct IPv6Address: Sendable, Hashable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 16, "an IPv6 address has 16 octets")
        self.bytes = bytes
    }

    /// RFC 4291 §2.2 text forms 1–3 (no zone index).
    public init?(_ text: String) {
        let utf8 = Array(text.utf8)
        guard !utf8.isEmpty, utf8.count <= 45 else { return nil }
        var head: [UInt16] = [], tail: [UInt16] = []
        var sawGap = false
        var pieces = utf8.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false).map(Array.init)
        // "::" at either end produces two empty pieces; normalise them to one.
        if utf8.starts(with: [0x3A, 0x3A]) { pieces.removeFirst() }
        if utf8.count >= 2 && utf8.suffix(2) == [0x3A, 0x3A] { pieces.removeLast() }
        if pieces.first?.isEmpty == true && !utf8.starts(with: [0x3A, 0x3A]) { return nil }
        if pieces.last?.isEmpty == true && utf8.last == 0x3A && !(utf8.suffix(2) == [0x3A, 0x3A]) { return nil }
        var v4Tail: [UInt8]? = nil
        for (index, piece) in pieces.enumerated() {
            if piece.isEmpty {
                if sawGap { return nil }
                sawGap = true
                continue
            }
            if index == pieces.count - 1, piece.contains(UInt8(ascii: ".")) {
                guard let v4 = IPv4Address(String(decoding: piece, as: UTF8.self)) else { return nil }
                v4Tail = v4.bytes
                continue
            }
            guard piece.count <= 4, let value = UInt16(String(decoding: piece, as: UTF8.self), radix: 16),
                  piece.allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "-") })
            else { return nil }
            if sawGap { tail.append(value) } else { head.append(value) }
        }
        var groups = head.count + tail.count + (v4Tail == nil ? 0 : 2)
        if sawGap {
            guard groups < 8 else { return nil }
            let zeros = [UInt16](repeating: 0, count: 8 - groups)
            head += zeros
            groups = 8
        }
        guard groups == 8 else { return nil }
        var out: [UInt8] = []
        for value in head + tail {
            out.append(UInt8(value >> 8))
            out.append(UInt8(value & 0xFF))
        }
        if let v4Tail { out += v4Tail }
        guard out.count == 16 else { return nil }
        self.bytes = out
    }

    /// The eight 16-bit pieces.
    public var pieces: [UInt16] {
        stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
    }

    /// RFC 5952 §4: lower case, no leading zeros, the longest run (of two or more) of zero
    /// pieces shortened to "::" (the first such run on a tie).
    public var description: String {
        let p = pieces
        var bestStart = -1, bestLength = 0, runStart = -1
        for i in 0...8 {
            if i < 8 && p[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength { bestStart = runStart; bestLength = i - runStart }
                runStart = -1
            }
        }
        if bestLength < 2 { return p.map { String($0, radix: 16) }.joined(separator: ":") }
        let left = p[..<bestStart].map { String($0, radix: 16) }.joined(separator: ":")
        let right = p[(bestStart + bestLength)...].map { String($0, radix: 16) }.joined(separator: ":")
        return left + "::" + right
    }

    /// The IPv4 address of an IPv4-mapped IPv6 address (RFC 4291 §2.5.5.2), if this is one.
    public var mappedIPv4: IPv4Address? {
        guard bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF else { return nil }
        return IPv4Address(bytes: Array(bytes[12..<16]))
    }
}
