// What SPF, DKIM, DMARC and ARC said about the message (the reception pipeline's verdict, or
// `hato message assess` running the same checks), as the assessment and its JSON see it.

import MailAuth

public struct RiskAuthentication: Sendable, Equatable, Codable {
    public struct DKIM: Sendable, Equatable, Codable {
        public var domain: String?
        public var result: String
        public init(domain: String?, result: String) {
            self.domain = domain
            self.result = result
        }
    }

    public var spf: String
    public var dkim: [DKIM]
    /// pass, fail, none, temperror, permerror (RFC 9989).
    public var dmarc: String
    /// The policy that applied (none, quarantine, reject).
    public var dmarcPolicy: String
    /// The Author Domain DMARC evaluated.
    public var fromDomain: String?
    /// none, pass, fail (RFC 8617).
    public var arc: String
    /// The newest sealer of a passing ARC chain.
    public var arcSealer: String?

    public init(spf: String, dkim: [DKIM], dmarc: String, dmarcPolicy: String, fromDomain: String?, arc: String, arcSealer: String?) {
        self.spf = spf
        self.dkim = dkim
        self.dmarc = dmarc
        self.dmarcPolicy = dmarcPolicy
        self.fromDomain = fromDomain
        self.arc = arc
        self.arcSealer = arcSealer
    }

    /// The inbound verdict of `InboundAuthenticator` (the MX listener's, or `hato auth check`'s).
    public init(_ verdict: InboundVerdict) {
        self.init(spf: verdict.spf.result.rawValue,
                  dkim: verdict.dkim.map { DKIM(domain: $0.domain, result: $0.result.rawValue) },
                  dmarc: verdict.dmarc.result.rawValue, dmarcPolicy: verdict.dmarc.evaluatedPolicy.rawValue,
                  fromDomain: verdict.dmarc.deciding?.authorDomain, arc: verdict.arc.result.rawValue,
                  arcSealer: verdict.arc.latestSealer)
    }
}
