/// A recipient domain's MTA-STS policy (RFC 8461 §3.2) as a sender fetches it, and its strict parser
/// (HTTPService's `MTASTSPolicy` is the one this server publishes). The policy body is untrusted input
/// from a web server: it is bounded (`maxSize`) before it gets here and every field is checked.
public struct RemoteMTASTSPolicy: Sendable, Hashable {
    public enum Mode: String, Sendable { case enforce, testing, none }

    /// RFC 8461 §3.2: "max_age: Max lifetime of the policy (plain-text non-negative integer
    /// seconds, maximum value of 31557600)".
    public static let maxAgeLimit = 31_557_600
    /// RFC 8461 §3.3 leaves the size to senders; 64 KiB is far above any real policy.
    public static let maxSize = 65_536
    /// More `mx` lines than any real policy has; bounds the matching work.
    public static let maxMXPatterns = 256

    public var mode: Mode
    public var maxAge: Int
    /// Patterns: a host name, or `*.` and a name matching exactly one more leftmost label (§4.1).
    public var mx: [String]
    /// The TXT record's `id` the policy was fetched for (§3.1), compared on refresh.
    public var id: String

    public init(mode: Mode, maxAge: Int, mx: [String], id: String = "") {
        self.mode = mode
        self.maxAge = maxAge
        self.mx = mx
        self.id = id
    }

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// sts-policy-record = sts-policy-field *WSP *(sts-policy-term sts-policy-field *WSP) [sts-policy-term]
    /// sts-policy-term   = LF / CRLF
    /// sts-policy-field  = sts-policy-version / sts-policy-mode / sts-policy-max-age / sts-policy-mx / sts-policy-extension
    /// (RFC 8461 §3.2). Version must be first-class `STSv1`; unknown fields are ignored (extensions);
    /// a repeated version, mode or max_age is refused rather than guessed at.
    public static func parse(_ bytes: [UInt8], id: String = "") throws(ParseError) -> RemoteMTASTSPolicy {
        guard bytes.count <= maxSize else { throw ParseError("policy larger than \(maxSize) octets") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw ParseError("policy is not UTF-8") }
        var fields: [String: String] = [:]
        var mx: [String] = []
        // CRLF is one Character in Swift: split on it and on LF alike (sts-policy-term).
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            if line.isEmpty { continue }
            guard let colon = line.firstIndex(of: ":") else { throw ParseError("line without ':': \(line.prefix(40))") }
            let key = String(line[..<colon])
            // sts-policy-field values: *WSP after the colon, trailing *WSP before the terminator.
            let value = String(line[line.index(after: colon)...]).trimmingWSP
            guard !key.isEmpty, key.utf8.allSatisfy({ isAlphaNum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }),
                  key.utf8.count <= 32 else { throw ParseError("invalid field name \(key.prefix(40))") }
            if key == "mx" {
                guard mx.count < maxMXPatterns else { throw ParseError("more than \(maxMXPatterns) mx patterns") }
                guard isPattern(value) else { throw ParseError("invalid mx pattern \(value.prefix(80))") }
                mx.append(value.lowercased())
            } else if ["version", "mode", "max_age"].contains(key) {
                guard fields[key] == nil else { throw ParseError("\(key) given twice") }
                fields[key] = value
            }
        }
        guard fields["version"] == "STSv1" else { throw ParseError("version is not STSv1") }
        guard let modeText = fields["mode"], let mode = Mode(rawValue: modeText) else { throw ParseError("mode missing or not enforce/testing/none") }
        // sts-policy-max-age-value = 1*10(DIGIT)
        guard let ageText = fields["max_age"], (1...10).contains(ageText.utf8.count), ageText.utf8.allSatisfy(isDigit),
              let age = Int(ageText), age <= maxAgeLimit else { throw ParseError("max_age missing or not 0...\(maxAgeLimit)") }
        guard mode == .none || !mx.isEmpty else { throw ParseError("no mx pattern in a \(mode.rawValue) policy") }
        return RemoteMTASTSPolicy(mode: mode, maxAge: age, mx: mx, id: id)
    }

    /// RFC 8461 §4.1: an exact (case-insensitive) match, or `*.rest` matching `label.rest` for
    /// exactly one label.
    public func matches(mx host: String) -> Bool {
        let name = (host.hasSuffix(".") ? String(host.dropLast()) : host).lowercased()
        return mx.contains { pattern in
            if pattern.hasPrefix("*.") {
                guard let dot = name.firstIndex(of: "."), dot != name.startIndex else { return false }
                return name[name.index(after: dot)...] == pattern.dropFirst(2)
            }
            return pattern == name
        }
    }

    /// sts-policy-mx-value = ["*."] Domain (RFC 5321 §4.1.2 Domain: dot-separated LDH labels).
    public static func isPattern(_ value: String) -> Bool {
        let domain = value.hasPrefix("*.") ? value.dropFirst(2) : Substring(value)
        guard !domain.isEmpty, domain.utf8.count <= 253 else { return false }
        return domain.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.utf8.count) && label.utf8.first != UInt8(ascii: "-") && label.utf8.last != UInt8(ascii: "-")
                && label.utf8.allSatisfy { isAlphaNum($0) || $0 == UInt8(ascii: "-") }
        }
    }

    /// sts-text-record = sts-version 1*(*WSP ";" *WSP sts-field) [";"]; sts-id = "id=" 1*32(ALPHA / DIGIT)
    /// (RFC 8461 §3.1). Returns the id of a `v=STSv1` record, nil for any other TXT record.
    public static func recordID(_ txt: String) throws(ParseError) -> String? {
        let parts = txt.split(separator: ";", omittingEmptySubsequences: true).map { String($0).trimmingWSP }
        guard parts.first == "v=STSv1" else { return nil }
        var id: String?
        for part in parts.dropFirst() where part.hasPrefix("id=") {
            let value = part.dropFirst(3)
            guard id == nil, (1...32).contains(value.utf8.count), value.utf8.allSatisfy(isAlphaNum) else {
                throw ParseError("invalid or repeated id in \(txt.prefix(80))")
            }
            id = String(value)
        }
        guard let id else { throw ParseError("no id in \(txt.prefix(80))") }
        return id
    }
}

private func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
private func isAlphaNum(_ byte: UInt8) -> Bool { isDigit(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }

extension String {
    /// Without leading and trailing spaces and tabs (WSP, RFC 5234 B.1).
    fileprivate var trimmingWSP: String {
        let isWSP: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(drop(while: isWSP).reversed().drop(while: isWSP).reversed())
    }
}
