// What verification says about one DKIM-Signature, in the terms of RFC 8601 §2.7.1.

import DNSMessage

/// RFC 8601 §2.7.1 dkim results.
public enum DKIMResult: String, Sendable, Hashable, CaseIterable {
    /// The signature verified.
    case pass
    /// It did not verify (body hash, signature), or it used something RFC 8301 forbids
    /// (rsa-sha1, an RSA key under 1024 bits).
    case fail
    /// It could not be evaluated for a reason that is not an error (e.g. t= in the future).
    case neutral
    /// It verified or could be checked, but a constraint of the key record refused it
    /// (s= service, h= hash, t=s identity).
    case policy
    /// The key could not be fetched now (DNS timeout or SERVFAIL): try again later.
    case temperror
    /// Broken signature or key record, missing key, revoked key, expired signature.
    case permerror
}

/// The outcome for one DKIM-Signature field, with what Authentication-Results and an operator need.
public struct DKIMSignatureResult: Sendable, Hashable {
    public var result: DKIMResult
    /// Why, for anything but pass (and notes for a pass such as l=).
    public var reason: String?
    /// d= (header.d), nil when the field was too broken to read it.
    public var domain: String?
    /// s= (header.s).
    public var selector: String?
    /// i= (header.i).
    public var identity: String?
    /// b= with whitespace removed; `headerB` is the prefix Authentication-Results carries.
    public var signatureBase64: String?
    /// a= as written, lower-cased.
    public var algorithm: String?
    /// Key size in bits, once the key was read.
    public var keyBits: Int?
    /// l= was used: the signature covers `bodyLength` of `bodyLengthAvailable` canonical body
    /// bytes, so content could have been appended.
    public var bodyLength: Int?
    public var bodyLengthAvailable: Int?
    /// Signed header names the message carries more often than h= lists them: a copy added
    /// after signing is not covered (RFC 6376 §8.15).
    public var underSignedHeaders: [String]
    /// The key record says t=y (testing).
    public var testing: Bool
    /// DNSSEC status of the key record's answer, once fetched (docs/dns.md, DNSSEC).
    public var keyDNSSEC: DNSSecurityStatus?
    /// The whole DKIM-Signature field as it appears in the message (ARC and debugging use it).
    public var field: [UInt8]

    public init(result: DKIMResult, reason: String? = nil, field: [UInt8] = []) {
        self.result = result
        self.reason = reason
        self.underSignedHeaders = []
        self.testing = false
        self.field = field
    }

    /// header.b for Authentication-Results: the first 8 characters of b= (RFC 6008 §4: enough to
    /// tell signatures apart).
    public var headerB: String? { signatureBase64.map { String($0.prefix(8)) } }

    /// True when l= left part of the body unsigned.
    public var bodyPartiallySigned: Bool {
        guard let bodyLength, let bodyLengthAvailable else { return false }
        return bodyLength < bodyLengthAvailable
    }
}

/// How verification behaves; `[dkim]` in the configuration file.
public struct DKIMVerifierConfiguration: Sendable, Hashable {
    /// `max_signatures`: signatures evaluated per message, from the top; the rest are ignored so
    /// a message cannot make us do unbounded DNS and RSA work.
    public var maxSignatures: Int
    /// `clock_skew`: seconds of tolerance for t= in the future and x= in the past.
    public var clockSkew: Int
    /// RFC 8301 §3.2: RSA keys under this size fail (never lower than 1024).
    public var minimumRSABits: Int
    /// Longest DKIM-Signature field read, in bytes.
    public var maxSignatureFieldLength: Int

    public init(maxSignatures: Int = 10, clockSkew: Int = 300, minimumRSABits: Int = 1024,
                maxSignatureFieldLength: Int = 8192) {
        self.maxSignatures = maxSignatures
        self.clockSkew = clockSkew
        self.minimumRSABits = max(minimumRSABits, DKIMPublicKey.minimumRSABits)
        self.maxSignatureFieldLength = maxSignatureFieldLength
    }
}
