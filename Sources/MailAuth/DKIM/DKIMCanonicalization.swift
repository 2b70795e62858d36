// Header and body canonicalization, RFC 6376 §3.4. Works on bytes; the message has CRLF line
// ends (DKIMMessage makes sure of it).

public enum DKIMCanonicalization: String, Sendable, Hashable, CaseIterable {
    case simple, relaxed
}

/// The c= tag: header/body algorithms (§3.5; "simple" when absent, "simple" body when only one is given).
public struct DKIMCanonicalizationPair: Sendable, Hashable, CustomStringConvertible {
    public var header: DKIMCanonicalization
    public var body: DKIMCanonicalization

    public init(header: DKIMCanonicalization, body: DKIMCanonicalization) {
        self.header = header
        self.body = body
    }

    public static let relaxedRelaxed = DKIMCanonicalizationPair(header: .relaxed, body: .relaxed)

    /// c= value: "relaxed/simple", "relaxed" (body simple), or nil for an unknown algorithm.
    public init?(tag: String) {
        let parts = tag.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2,
              let header = DKIMCanonicalization(rawValue: String(parts[0]).lowercased()) else { return nil }
        self.header = header
        if parts.count == 2 {
            guard let body = DKIMCanonicalization(rawValue: String(parts[1]).lowercased()) else { return nil }
            self.body = body
        } else {
            self.body = .simple
        }
    }

    public var description: String { "\(header.rawValue)/\(body.rawValue)" }
}

enum DKIMCanonicalizer {
    private static let cr: UInt8 = 0x0D, lf: UInt8 = 0x0A, sp: UInt8 = 0x20, tab: UInt8 = 0x09

    // MARK: header fields (§3.4.1, §3.4.2)

    /// One header field canonicalized, with its trailing CRLF (the caller drops it for the
    /// DKIM-Signature field itself, §3.7).
    static func header(_ raw: ArraySlice<UInt8>, _ algorithm: DKIMCanonicalization) -> [UInt8] {
        switch algorithm {
        case .simple:
            var out = Array(raw)
            if !(out.count >= 2 && out[out.count - 2] == cr && out[out.count - 1] == lf) { out += [cr, lf] }
            return out
        case .relaxed:
            return relaxedHeader(raw)
        }
    }

    /// §3.4.2: lower-case the name, unfold, turn WSP runs into one SP, drop WSP at the end of the
    /// value and around the colon, end with CRLF.
    static func relaxedHeader(_ raw: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        guard let colon = raw.firstIndex(of: UInt8(ascii: ":")) else { return Array(raw) }
        for byte in raw[raw.startIndex..<colon] where byte != sp && byte != tab {
            out.append(byte >= 0x41 && byte <= 0x5A ? byte + 0x20 : byte)
        }
        out.append(UInt8(ascii: ":"))
        var pendingSpace = false
        var wroteValue = false
        var index = colon + 1
        while index < raw.endIndex {
            let byte = raw[index]
            index += 1
            switch byte {
            case cr where index < raw.endIndex && raw[index] == lf:
                index += 1 // unfolding: a CRLF disappears, the WSP after it is folded below
            case sp, tab:
                pendingSpace = true
            default:
                // Anything else, a bare CR included, is value (only CRLF unfolds).
                if pendingSpace && wroteValue { out.append(sp) }
                pendingSpace = false
                wroteValue = true
                out.append(byte)
            }
        }
        out += [cr, lf]
        return out
    }

    // MARK: body (§3.4.3, §3.4.4)

    /// The canonical body. Both algorithms drop empty lines at the end; simple turns an empty
    /// body into a single CRLF, relaxed leaves it empty (§3.4.3, §3.4.4 and erratum 1384).
    static func body(_ body: ArraySlice<UInt8>, _ algorithm: DKIMCanonicalization) -> [UInt8] {
        switch algorithm {
        case .simple: return simpleBody(body)
        case .relaxed: return relaxedBody(body)
        }
    }

    static func simpleBody(_ body: ArraySlice<UInt8>) -> [UInt8] {
        var end = body.endIndex
        // Strip every trailing CRLF, then put exactly one back.
        while end - body.startIndex >= 2, body[end - 2] == cr, body[end - 1] == lf { end -= 2 }
        var out = Array(body[body.startIndex..<end])
        out += [cr, lf]
        return out
    }

    static func relaxedBody(_ body: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        // Length of `out` after the last line that had content: trailing empty lines go.
        var lastContentEnd = 0
        var pendingSpace = false
        var lineHasContent = false
        var index = body.startIndex
        let end = body.endIndex
        while index < end {
            let byte = body[index]
            if byte == cr, index + 1 < end, body[index + 1] == lf {
                // End of line: WSP before the CRLF is dropped.
                pendingSpace = false
                out += [cr, lf]
                if lineHasContent { lastContentEnd = out.count }
                lineHasContent = false
                index += 2
                continue
            }
            if byte == sp || byte == tab {
                pendingSpace = true
            } else {
                if pendingSpace { out.append(sp) }
                pendingSpace = false
                out.append(byte)
                lineHasContent = true
            }
            index += 1
        }
        if lineHasContent {
            // A last line without CRLF gets one (§3.4.4).
            out += [cr, lf]
            lastContentEnd = out.count
        }
        out.removeSubrange(lastContentEnd...)
        return out
    }

    // MARK: the signature field itself (§3.5 b=, §3.7)

    /// The field with the value of its b= tag removed (everything between "b=" and the next ";"
    /// or the end), as signed and verified.
    static func removingSignatureValue(_ raw: ArraySlice<UInt8>) -> [UInt8] {
        let bytes = Array(raw)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return bytes }
        var out = Array(bytes[...colon])
        var index = colon + 1
        while index <= bytes.count {
            let specEnd = bytes[index...].firstIndex(of: UInt8(ascii: ";")) ?? bytes.count
            let spec = bytes[index..<specEnd]
            if let equals = spec.firstIndex(of: UInt8(ascii: "=")),
               DKIMTagList.trimFWS(spec[spec.startIndex..<equals]).elementsEqual([UInt8(ascii: "b")]) {
                out += bytes[index...equals]
                // b= last: the field's own CRLF stays, only the value goes.
                if specEnd == bytes.count, bytes.count >= 2, bytes[bytes.count - 2] == cr, bytes[bytes.count - 1] == lf {
                    out += [cr, lf]
                }
            } else {
                out += spec
            }
            if specEnd < bytes.count { out.append(UInt8(ascii: ";")) }
            index = specEnd + 1
        }
        return out
    }
}
