import SMTPClient

/// How TLS must be used with one MX host, decided before connecting (RFC 7672 §2.2, RFC 8461 §4).
public enum DeliveryTLSPolicy: Sendable, Hashable, CustomStringConvertible {
    /// STARTTLS when offered, any certificate, plaintext otherwise (RFC 7435).
    case opportunistic
    /// DNSSEC-secure TLSA records: TLS is mandatory and the certificate must match them.
    case dane(DANEAuthentication)
    /// An MTA-STS policy in `enforce` mode lists this host: TLS is mandatory with a certificate
    /// valid under the WebPKI for the host name (RFC 8461 §4.2).
    case mtaSTS(policyID: String)
    /// REQUIRETLS to a host whose MX and addresses are DNSSEC-secure but that has no usable TLSA
    /// records: TLS is mandatory with a WebPKI-valid certificate for the host name (RFC 8689 §4.2.1 step 4).
    case verified

    public var description: String {
        switch self {
        case .opportunistic: "opportunistic"
        case .dane(let authentication) where authentication.records.isEmpty: "DANE (TLSA records all unusable: TLS without authentication)"
        case .dane(let authentication): "DANE (\(authentication.records.count) usable TLSA records)"
        case .mtaSTS(let id): "MTA-STS enforce (policy id \(id))"
        case .verified: "REQUIRETLS (DNSSEC-secure MX, certificate verified under the trust roots)"
        }
    }
}
