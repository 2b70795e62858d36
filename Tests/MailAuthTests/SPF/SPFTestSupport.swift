import DNSMessage
import HatoTesting
@testable import MailAuth

/// RFC 7208 Appendix A's DNS data, verbatim but for the SPF records, which each test adds.
let appendixAZone = """
    $ORIGIN example.com.
    @           MX  10 mail-a
                MX  20 mail-b
                A   192.0.2.10
                A   192.0.2.11
    amy         A   192.0.2.65
    bob         A   192.0.2.66
    mail-a      A   192.0.2.129
    mail-b      A   192.0.2.130
    www         CNAME example.com.
    $ORIGIN example.org.
    @           MX  10 mail-c
    mail-c      A   192.0.2.140
    $ORIGIN 2.0.192.in-addr.arpa.
    10          PTR example.com.
    11          PTR example.com.
    65          PTR amy.example.com.
    66          PTR bob.example.com.
    129         PTR mail-a.example.com.
    130         PTR mail-b.example.com.
    140         PTR mail-c.example.org.
    $ORIGIN 0.0.10.in-addr.arpa.
    4           PTR bob.example.com.

    """

func resolver(_ zone: String) throws -> StaticResolver {
    try StaticResolver(zoneText: zone)
}

func verifier(_ zone: String) throws -> SPFVerifier {
    SPFVerifier(resolver: try resolver(zone), receivingHost: "mx.receiver.example", now: { 1_700_000_000 })
}

/// check_host() for MAIL FROM `sender` from `ip`.
func check(_ zone: String, ip: String, sender: String = "user@example.com", helo: String = "helo.example.net")
    async throws -> SPFOutcome
{
    try await verifier(zone).checkMailFrom(ip: IPAddress(ip)!, mailFrom: sender, helo: helo)
}

/// The §7.4 context: sender strong-bad@email.example.com, IPv4 192.0.2.3, PTR mx.example.org.
func section74Context(ip: String = "192.0.2.3") -> SPFMacroContext {
    SPFMacroContext(sender: "strong-bad@email.example.com", localPart: "strong-bad", senderDomain: "email.example.com",
                    domain: "email.example.com", ip: IPAddress(ip)!, helo: "mx.example.org", receiver: "mx.receiver.example",
                    timestamp: 1_700_000_000, validatedName: "mx.example.org")
}
