import MailMessage
// The resinfo for each method Hato reports (RFC 8601 §2.7; DMARC properties RFC 9989 §9.1;
// ARC properties RFC 8617 §10.1).
// DNSSEC: when the policy record a result rests on (the SPF record, the DKIM key, the DMARC
// record) came with a DNSSEC-secure answer, the result carries the comment "dnssec=secure".
// A comment, not a property: RFC 8601 §2.3 lets properties be only the ptype.property pairs
// registered for the method (IANA, RFC 8601 §6.3), and no `dnssec` one is; comments are allowed
// after any result (§2.2 CFWS) and ignored by parsers. Absent means insecure or unknown
// (docs/dns.md, DNSSEC).
import DNSMessage

/// The comment for a result whose record lookup had `status` (nil unless secure).
func dnssecComment(_ status: DNSSecurityStatus?) -> String? { status == .secure ? "dnssec=secure" : nil }

extension AuthenticationResult {
    /// §2.7.2 spf: `smtp.mailfrom` for the MAIL FROM identity, `smtp.helo` for HELO.
    public static func spf(_ outcome: SPFOutcome, heloName: String) -> AuthenticationResult {
        let property: Property = outcome.identity == .helo ? Property("smtp", "helo", heloName)
            : Property("smtp", "mailfrom", outcome.sender)
        let reason: String? = switch outcome.result {
        case .temperror, .permerror: outcome.problem
        default: nil
        }
        return AuthenticationResult(method: "spf", result: outcome.result.rawValue, reason: reason,
                                    comment: dnssecComment(outcome.dnssec), properties: [property])
    }

    /// §2.7.1 dkim, one per signature: header.d, header.s, header.b (RFC 6008: the first
    /// characters of b=, enough to tell signatures apart) and header.a.
    public static func dkim(result: String, domain: String?, selector: String?, signature: String?, algorithm: String?,
                            identity: String? = nil, reason: String? = nil, keyDNSSEC: DNSSecurityStatus? = nil) -> AuthenticationResult {
        var properties: [Property] = []
        if let domain { properties.append(Property("header", "d", domain)) }
        if let identity { properties.append(Property("header", "i", identity)) }
        if let selector { properties.append(Property("header", "s", selector)) }
        if let algorithm { properties.append(Property("header", "a", algorithm)) }
        if let signature {
            let compact = signature.filter { !$0.isWhitespace }
            properties.append(Property("header", "b", String(compact.prefix(12))))
        }
        return AuthenticationResult(method: "dkim", result: result, reason: reason, comment: dnssecComment(keyDNSSEC),
                                    properties: properties)
    }

    /// RFC 9989 §9.1 dmarc: header.from and policy.dmarc (the evaluated policy); the comment
    /// carries the published p/sp and the disposition, as receivers commonly show them.
    public static func dmarc(_ outcome: DMARCOutcome, disposition: DMARCDisposition? = nil) -> AuthenticationResult {
        var properties: [Property] = []
        var comment: [String] = []
        if let deciding = outcome.deciding {
            if let record = deciding.record {
                comment.append("p=\(record.policy?.rawValue ?? "none")")
                if let sp = record.subdomainPolicy { comment.append("sp=\(sp.rawValue)") }
                if record.testing { comment.append("t=y") }
            }
            if let disposition { comment.append("dis=\(disposition.action.rawValue)") }
            if let override = disposition?.override { comment.append("override=\(override.rawValue)") }
            if let secure = dnssecComment(deciding.policyDNSSEC) { comment.append(secure) }
            properties.append(Property("header", "from", deciding.authorDomain))
            if deciding.record != nil, outcome.result == .pass || outcome.result == .fail {
                properties.append(Property("policy", "dmarc", outcome.evaluatedPolicy.rawValue))
            }
        }
        let problem = outcome.problem ?? outcome.deciding?.problem
        let reason: String? = (outcome.result == .temperror || outcome.result == .permerror) ? problem : nil
        return AuthenticationResult(method: "dmarc", result: outcome.result.rawValue, reason: reason,
                                    comment: comment.isEmpty ? nil : comment.joined(separator: " "), properties: properties)
    }

    /// RFC 8617 §10.1 arc: smtp.remote-ip and header.oldest-pass.
    public static func arc(result: String, instance: Int?, oldestPass: Int?, remoteIP: String?, reason: String? = nil) -> AuthenticationResult {
        var properties: [Property] = []
        if let oldestPass { properties.append(Property("header", "oldest-pass", String(oldestPass))) }
        if let remoteIP { properties.append(Property("smtp", "remote-ip", remoteIP)) }
        return AuthenticationResult(method: "arc", result: result, reason: reason,
                                    comment: instance.map { "i=\($0)" }, properties: properties)
    }
}

/// RFC 8601 §5: "a border MTA MUST delete any instances of the header field that appear to have
/// been added by its own ADMD" — fields whose authserv-id is ours, whatever comments, quoting,
/// folding or letter case surround it.
public enum AuthenticationResultsFilter {
    /// Whether `field` is an Authentication-Results field claiming `authservID`.
    public static func claims(_ field: HeaderField, authservID: String) -> Bool {
        field.hasName("Authentication-Results")
            && authservIDOf(String(decoding: field.unfoldedValue, as: UTF8.self))?.lowercased() == authservID.lowercased()
    }

    /// `message` without the fields that claim `authservID` (for bytes that were not received
    /// through `ReceivedMessage`, whose `removeReceivedFields` does this without copying).
    /// Removal repeats until a fresh parse finds none of ours: taking a field out can change how
    /// the lines after it read (an mbox "From " line that becomes the first line is skipped, and
    /// the fields after it, once body, become header), and a reader of the result must not find
    /// a field that claims us. Each round removes at least one field, so it ends.
    public static func removingOurs(from message: [UInt8], authservID: String) -> [UInt8] {
        var current = message
        while true {
            let ours = HeaderSection.parse(current).section.fields.filter { claims($0, authservID: authservID) }
            guard !ours.isEmpty else { return current }
            var output: [UInt8] = []
            output.reserveCapacity(current.count)
            var cursor = 0
            for field in ours {
                output += current[cursor..<field.range.offset]
                cursor = field.range.end
            }
            current = output + current[cursor...]
        }
    }

    /// The authserv-id of a field value: leading CFWS skipped, a token or a quoted-string.
    static func authservIDOf(_ value: String) -> String? {
        var scalars = Substring(value).unicodeScalars[...]
        func skipCFWS() {
            var depth = 0
            while let first = scalars.first {
                if depth > 0 {
                    if first == "\\" { scalars = scalars.dropFirst(2); continue }
                    if first == "(" { depth += 1 } else if first == ")" { depth -= 1 }
                } else if first == "(" {
                    depth = 1
                } else if first != " " && first != "\t" && first != "\r" && first != "\n" {
                    return
                }
                scalars = scalars.dropFirst()
            }
        }
        skipCFWS()
        guard let first = scalars.first else { return nil }
        if first == "\"" {
            var out = ""
            scalars = scalars.dropFirst()
            while let scalar = scalars.first {
                scalars = scalars.dropFirst()
                if scalar == "\\", let next = scalars.first { out.unicodeScalars.append(next); scalars = scalars.dropFirst(); continue }
                if scalar == "\"" { return out }
                out.unicodeScalars.append(scalar)
            }
            return nil
        }
        let token = scalars.prefix { $0.value > 0x20 && $0 != ";" && $0 != "(" }
        return token.isEmpty ? nil : String(String.UnicodeScalarView(token))
    }
}
