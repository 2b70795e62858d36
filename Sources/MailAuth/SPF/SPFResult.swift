// check_host() results, RFC 7208 §2.6 and §8.

import DNSMessage

public enum SPFResult: String, Sendable, Hashable, CaseIterable {
    case none, neutral, pass, fail, softfail, temperror, permerror
}

/// Which identity was checked (RFC 7208 §2.3, §2.4; the `identity` key of §9.1).
public enum SPFIdentity: String, Sendable, Hashable {
    case mailFrom = "mailfrom"
    case helo
}

/// The result of an SPF check with what an operator needs to understand it.
public struct SPFOutcome: Sendable, Hashable {
    public var result: SPFResult
    /// §6.2: the explanation for a `fail`, from the domain's `exp=` (nil when it has none).
    public var explanation: String?
    /// The directive that decided the result as written in the record (e.g. "-all"),
    /// "default" when none matched (§9.1), nil for none/temperror/permerror.
    public var mechanism: String?
    /// Why a temperror or permerror happened.
    public var problem: String?
    public var identity: SPFIdentity
    /// The <sender> checked (after §4.3's "postmaster" substitution).
    public var sender: String
    /// The domain whose policy was evaluated first.
    public var domain: String
    /// DNSSEC status of that domain's SPF record lookup (its TXT RRset, or the proof that
    /// there is none); nil when no lookup was made. `secure` is shown in Authentication-Results.
    public var dnssec: DNSSecurityStatus?

    public init(result: SPFResult, explanation: String? = nil, mechanism: String? = nil, problem: String? = nil,
                identity: SPFIdentity, sender: String, domain: String) {
        self.result = result
        self.explanation = explanation
        self.mechanism = mechanism
        self.problem = problem
        self.identity = identity
        self.sender = sender
        self.domain = domain
    }
}
