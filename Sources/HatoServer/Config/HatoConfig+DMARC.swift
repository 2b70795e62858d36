import MailAuth

extension HatoConfig {
    /// The `[dmarc]` keys as the policy the MX listener applies.
    public var dmarcLocalPolicy: DMARCLocalPolicy {
        DMARCLocalPolicy(
            onReject: DMARCAction(rawValue: dmarcReject) ?? .reject,
            onQuarantine: DMARCAction(rawValue: dmarcQuarantine) ?? .quarantine,
            onTemperror: dmarcTemperror == "defer" ? .defer : .none,
            trustedForwarders: dmarcTrustedForwarders, trustedARCSealers: dmarcTrustedARCSealers)
    }
}
