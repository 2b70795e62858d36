// Every SPF processing limit in one place, with the RFC 7208 section that sets it.
public struct SPFLimits: Sendable, Hashable {
    /// §4.6.4: at most 10 terms that cause DNS queries (include, a, mx, ptr, exists, redirect).
    public var maxDNSTerms = 10
    /// §4.6.4: void lookups (NOERROR with no answers, or NXDOMAIN) SHOULD be limited to two.
    public var maxVoidLookups = 2
    /// §4.6.4: each mx term may look up at most 10 MX names; more is permerror.
    public var maxMXNames = 10
    /// §4.6.4: each ptr term (and %{p}) uses at most the first 10 PTR names.
    public var maxPTRNames = 10
    /// §4.6.4: the whole check SHOULD be limited in time, allowing at least 20 seconds.
    public var maxSeconds: Int = 20
    /// §7.3: an expanded domain name is cut from the left to at most 253 characters.
    public static let maxExpandedDomainLength = 253
    /// §7.3: implementations MUST support DIGIT transformers up to 127 (labels in a name).
    public static let maxTransformerDigits = 127
    /// §6.2: the explanation string is for an SMTP reply; we cap its length at this.
    public var maxExplanationLength = 512

    public init() {}
}
