// Message authentication records and headers: SPF (RFC 7208) records and macros, DKIM
// (RFC 6376) tag lists, signatures and key records, DMARC (RFC 9989) records and author
// domains, Authentication-Results (RFC 8601) and ARC (RFC 8617) header fields.

import DNSMessage
import Foundation
import MailAuth

/// The zone behind the DNS-driven targets: a domain with addresses, mail exchangers, a PTR and
/// an include target, so mechanisms and macros have something to resolve.
enum FuzzZone {
    static let text = """
        example.com.              A    192.0.2.10
        example.com.              AAAA 2001:db8::10
        example.com.              MX   10 mail.example.com.
        mail.example.com.         A    192.0.2.10
        mail.example.com.         AAAA 2001:db8::10
        inc.example.com.          TXT  "v=spf1 ip4:192.0.2.0/24 ~all"
        10.2.0.192.in-addr.arpa.  PTR  mail.example.com.

        """

    static let resolver = try! StaticResolver(zoneText: text)

    /// TXT character-strings are at most 255 octets (RFC 1035 §3.3.14).
    static func txt(_ bytes: some Collection<UInt8>) -> DNSRecordData {
        let array = Array(bytes)
        return .txt(stride(from: 0, to: max(array.count, 1), by: 255).map { Array(array[$0..<min($0 + 255, array.count)]) })
    }
}

/// `spf`: lines are the record published at example.com, the sender's local-part and the
/// explanation text at exp.example.com; check_host runs for an IPv4 and an IPv6 client, so the
/// record is parsed, evaluated and its macros expanded (%{i} %{l} %{p} %{r} ... RFC 7208 §7).
enum SPFTarget {
    static func run(_ bytes: [UInt8]) async {
        let lines = bytes.split(separator: 0x0A, maxSplits: 2, omittingEmptySubsequences: false)
        var resolver = FuzzZone.resolver
        resolver.zone.add(try! DNSName("example.com"), FuzzZone.txt(lines[0]))
        if lines.count > 2 { resolver.zone.add(try! DNSName("exp.example.com"), FuzzZone.txt(lines[2])) }
        let localPart = lines.count > 1 ? String(decoding: lines[1], as: UTF8.self) : "postmaster"
        let verifier = SPFVerifier(resolver: resolver, receivingHost: "mx.example.net", now: { 1_700_000_000 })
        for ip in [IPAddress("192.0.2.10")!, IPAddress("2001:db8::10")!] {
            let outcome = await verifier.checkHost(ip: ip, domain: "example.com", sender: "\(localPart)@example.com", helo: "mail.example.com")
            if let explanation = outcome.explanation {
                precondition(explanation.utf8.count <= SPFLimits().maxExplanationLength + 64, "explanation past its limit")
            }
        }
    }
}

/// `dkim`: the input as a tag list (RFC 6376 §3.2), a DKIM-Signature value (§3.5), a key
/// record (§3.6.1), and a message whose header fields are split as the verifier splits them
/// and whose body hash is taken as the verifier takes it (§3.4.3, §3.4.4, §3.7).
enum DKIMTarget {
    static func run(_ bytes: [UInt8]) {
        _ = try? DKIMTagList(parsing: bytes)
        _ = try? DKIMTagList(parsing: String(decoding: bytes, as: UTF8.self))
        if let signature = try? DKIMSignature(value: bytes) {
            precondition(!signature.domain.isEmpty && !signature.selector.isEmpty && !signature.signedHeaders.isEmpty)
            precondition((signature.bodyLength ?? 0) >= 0)
            _ = signature.underSignedHeaders(in: DKIMMessage(bytes))
        }
        _ = try? DKIMKeyRecord(String(decoding: bytes, as: UTF8.self))
        let message = DKIMMessage(bytes)
        _ = message.selectHeaders(["From", "Subject", "DKIM-Signature"])
        // The one-pass body hash (DKIMBodyDigest) agrees with the reference canonicalizer: a
        // relaxed canonical body that is not empty is its own simple canonical form (one CRLF
        // after a line with content), so hashing it "simple" hashes exactly those bytes.
        let relaxed = DKIMHashing.canonicalBody(message.body, .relaxed)
        let streamed = DKIMHashing.bodyHash(message.body, canonicalization: .relaxed)
        precondition(streamed.canonicalLength == relaxed.count)
        if !relaxed.isEmpty {
            precondition(streamed.hash == DKIMHashing.bodyHash(relaxed[...], canonicalization: .simple).hash)
        }
        let simple = DKIMHashing.canonicalBody(message.body, .simple)
        precondition(DKIMHashing.bodyHash(message.body, canonicalization: .simple).canonicalLength == simple.count)
    }
}

/// `dmarc`: the input as a DMARC record (RFC 9989 §4.7) and as a message whose From author
/// domains are extracted (§3.1.1; a From with no or several domains is refused).
enum DMARCTarget {
    static func run(_ bytes: [UInt8]) {
        _ = try? DMARCRecord(parsing: String(decoding: bytes, as: UTF8.self))
        _ = DMARCAuthorDomains.extract(from: bytes)
    }
}

/// `auth-results`: a message whose Authentication-Results fields with our authserv-id are
/// removed (RFC 8601 §5). The result is the message minus whole fields: never longer, and a
/// second removal changes nothing.
enum AuthenticationResultsTarget {
    static func run(_ bytes: [UInt8]) {
        let once = AuthenticationResultsFilter.removingOurs(from: bytes, authservID: "mx.example.com")
        precondition(once.count <= bytes.count, "removal added octets")
        let twice = AuthenticationResultsFilter.removingOurs(from: once, authservID: "mx.example.com")
        precondition(twice == once, "removal is not idempotent")
    }
}

/// `arc`: a message through the ARC verifier (RFC 8617 §5.2: chain structure, instance tags,
/// ARC-Authentication-Results instance, AMS and AS tag lists) and the DKIM verifier (the
/// DKIM-Signature fields); keys are not published, so verification stops at the key lookup.
enum ARCTarget {
    static let arc = ARCVerifier(resolver: FuzzZone.resolver)
    static let dkim = DKIMVerifier(resolver: FuzzZone.resolver)

    static func run(_ bytes: [UInt8]) async {
        let outcome = await arc.verify(bytes)
        precondition(outcome.instance >= 0 && outcome.instance <= ARCLimits.maxInstance, "ARC instance out of range")
        let results = await dkim.verify(bytes, now: Date(timeIntervalSince1970: 1_700_000_000))
        precondition(results.allSatisfy { $0.result != .pass }, "a signature passed without a published key")
    }
}

/// `mta-sts`: a fetched MTA-STS policy body (RFC 8461 §3.2) and, split at the first NUL, a TXT
/// record (§3.1). A parsed policy keeps its bounds: a known mode, max_age within the RFC's
/// limit, every mx a valid pattern, and at least one unless the mode is none.
enum MTASTSTarget {
    static func run(_ bytes: [UInt8]) {
        let split = bytes.firstIndex(of: 0) ?? bytes.endIndex
        if let policy = try? RemoteMTASTSPolicy.parse(Array(bytes[..<split])) {
            precondition((0...RemoteMTASTSPolicy.maxAgeLimit).contains(policy.maxAge), "max_age out of bounds")
            precondition(policy.mode == .none || !policy.mx.isEmpty, "enforce/testing without mx")
            precondition(policy.mx.count <= RemoteMTASTSPolicy.maxMXPatterns && policy.mx.allSatisfy(RemoteMTASTSPolicy.isPattern), "bad mx")
            _ = policy.matches(mx: "mx1.example.com")
        }
        if split < bytes.endIndex {
            _ = try? RemoteMTASTSPolicy.recordID(String(decoding: bytes[(split + 1)...], as: UTF8.self))
        }
    }
}

