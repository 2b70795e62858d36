// A small master-file format (a subset of RFC 1035 §5.1) for describing zones in tests and
// fixtures:
//
//   <line>     = [<owner>] [<ttl>] [<class>] <type> <rdata> [";" comment]
//              / "$ORIGIN" <domain-name> / "$TTL" <ttl>
//   <owner>    = "@" (the origin) / a relative or absolute name; a line starting with blanks
//                reuses the previous owner
//   "(" and ")" continue a record over lines; strings in double quotes may contain blanks,
//   `\"`, `\\` and `\DDD`.
//
// Supported rdata: A, AAAA, NS, CNAME, PTR, MX, TXT, SOA, SRV, TLSA, CAA, DS, DNSKEY (base64
// not supported: use the generic form) and the RFC 3597 §5 generic form `\# <length> <hex>`
// for any type.

public struct DNSZoneTextError: Error, Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public var description: String { "zone text line \(line): \(message)" }
}

struct ZoneToken {
    var bytes: [UInt8]
    var quoted: Bool
    var text: String { String(decoding: bytes, as: UTF8.self) }
}

struct ZoneLine {
    var number: Int
    var startsWithBlank: Bool
    var tokens: [ZoneToken]
}

extension DNSZone {
    /// Parses the text format above. `origin` completes relative names until a `$ORIGIN`.
    public init(parsing text: String, origin: DNSName = .root, defaultTTL: UInt32 = 300) throws(DNSZoneTextError) {
        self.init()
        var origin = origin
        var ttl = defaultTTL
        var previousOwner: DNSName? = nil
        for line in try DNSZone.tokenize(text) {
            var tokens = line.tokens[...]
            func fail(_ message: String) -> DNSZoneTextError { DNSZoneTextError(line: line.number, message: message) }
            func name(_ token: ZoneToken) throws(DNSZoneTextError) -> DNSName {
                do { return try DNSZone.resolveName(token.text, origin: origin) } catch {
                    throw fail("bad name \(token.text)")
                }
            }
            let first = tokens.first!
            if !first.quoted && first.text.uppercased() == "$ORIGIN" {
                guard tokens.count == 2 else { throw fail("$ORIGIN takes one name") }
                origin = try name(tokens[tokens.startIndex + 1])
                continue
            }
            if !first.quoted && first.text.uppercased() == "$TTL" {
                guard tokens.count == 2, let value = UInt32(tokens.last!.text) else { throw fail("bad $TTL") }
                ttl = value
                continue
            }
            let owner: DNSName
            if line.startsWithBlank {
                guard let previousOwner else { throw fail("no previous owner") }
                owner = previousOwner
            } else {
                owner = try name(tokens.removeFirst())
            }
            previousOwner = owner
            var recordTTL = ttl
            var recordType: DNSRecordType? = nil
            while let token = tokens.first, recordType == nil {
                tokens.removeFirst()
                if let value = UInt32(token.text) {
                    recordTTL = value
                } else if token.text.uppercased() == "IN" {
                    continue
                } else if let type = DNSRecordType(token.text) {
                    recordType = type
                } else {
                    throw fail("unknown type \(token.text)")
                }
            }
            guard let recordType else { throw fail("missing type") }
            let data: DNSRecordData
            do {
                data = try DNSZone.parseRData(recordType, Array(tokens), origin: origin)
            } catch let error as DNSZoneTextError {
                throw fail(error.message)
            } catch {
                throw fail("bad \(recordType) data")
            }
            add(DNSResourceRecord(name: owner, ttl: recordTTL, data: data))
        }
    }

    static func resolveName(_ text: String, origin: DNSName) throws -> DNSName {
        if text == "@" { return origin }
        if text.hasSuffix(".") { return try DNSName(text) }
        let relative = try DNSName(text)
        return try DNSName(labels: relative.labels + origin.labels)
    }

    static func tokenize(_ text: String) throws(DNSZoneTextError) -> [ZoneLine] {
        var lines: [ZoneLine] = []
        var current = ZoneLine(number: 1, startsWithBlank: false, tokens: [])
        var lineNumber = 1
        var depth = 0
        var token: [UInt8]? = nil
        var atLineStart = true
        let bytes = Array(text.utf8)
        var index = 0
        func endToken() {
            if let t = token { current.tokens.append(ZoneToken(bytes: t, quoted: false)); token = nil }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if atLineStart && depth == 0 {
                current = ZoneLine(number: lineNumber, startsWithBlank: byte == 0x20 || byte == 0x09, tokens: [])
                atLineStart = false
            }
            switch byte {
            case 0x0A:
                endToken()
                lineNumber += 1
                if depth == 0 {
                    if !current.tokens.isEmpty { lines.append(current) }
                    atLineStart = true
                }
            case 0x20, 0x09, 0x0D:
                endToken()
            case UInt8(ascii: ";"):
                endToken()
                while index + 1 < bytes.count && bytes[index + 1] != 0x0A { index += 1 }
            case UInt8(ascii: "("):
                endToken(); depth += 1
            case UInt8(ascii: ")"):
                endToken()
                guard depth > 0 else { throw DNSZoneTextError(line: lineNumber, message: "unbalanced )") }
                depth -= 1
            case UInt8(ascii: "\""):
                endToken()
                var value: [UInt8] = []
                index += 1
                while true {
                    guard index < bytes.count else { throw DNSZoneTextError(line: lineNumber, message: "open quote") }
                    let c = bytes[index]
                    if c == UInt8(ascii: "\"") { break }
                    if c == UInt8(ascii: "\\") {
                        guard index + 1 < bytes.count else { throw DNSZoneTextError(line: lineNumber, message: "bad escape") }
                        if let d0 = bytes[index + 1].decimalDigit, index + 3 < bytes.count,
                           let d1 = bytes[index + 2].decimalDigit, let d2 = bytes[index + 3].decimalDigit,
                           d0 * 100 + d1 * 10 + d2 <= 255 {
                            value.append(UInt8(d0 * 100 + d1 * 10 + d2))
                            index += 4
                        } else {
                            value.append(bytes[index + 1])
                            index += 2
                        }
                        continue
                    }
                    if c == 0x0A { lineNumber += 1 }
                    value.append(c)
                    index += 1
                }
                current.tokens.append(ZoneToken(bytes: value, quoted: true))
            default:
                token = (token ?? []) + [byte]
            }
            index += 1
        }
        endToken()
        guard depth == 0 else { throw DNSZoneTextError(line: lineNumber, message: "unbalanced (") }
        if !current.tokens.isEmpty && !atLineStart { lines.append(current) }
        return lines
    }
}
