// The SPF entry points: check_host() (RFC 7208 §4) and the two identities an SMTP server checks,
// HELO (§2.3) and MAIL FROM (§2.4, with `<>` checked as postmaster@HELO).

import DNSMessage
import Foundation

public struct SPFVerifier: Sendable {
    public let resolver: any DNSResolving
    public var limits: SPFLimits
    /// The %{r} macro: this host's name (§7.2), "unknown" when not set.
    public var receivingHost: String
    /// Seconds since the epoch, for %{t}.
    public var now: @Sendable () -> Int

    public init(resolver: any DNSResolving, limits: SPFLimits = SPFLimits(), receivingHost: String = "unknown",
                now: @escaping @Sendable () -> Int = { Int(Date().timeIntervalSince1970) }) {
        self.resolver = resolver
        self.limits = limits
        self.receivingHost = receivingHost
        self.now = now
    }

    /// check_host(<ip>, <domain>, <sender>) exactly as §4 defines it. `helo` feeds %{h}.
    public func checkHost(ip: IPAddress, domain: String, sender: String, helo: String,
                          identity: SPFIdentity = .mailFrom) async -> SPFOutcome {
        // §5: a client on an IPv4-mapped IPv6 address is checked as the IPv4 address.
        var client = ip
        if case .v6(let v6) = ip, let mapped = v6.mappedIPv4 { client = .v4(mapped) }
        // §4.3: no local-part means "postmaster".
        var localPart = "postmaster"
        var senderDomain = sender
        if let at = sender.lastIndex(of: "@") {
            let local = sender[..<at]
            if !local.isEmpty { localPart = String(local) }
            senderDomain = String(sender[sender.index(after: at)...])
        }
        let fullSender = "\(localPart)@\(senderDomain)"
        let context = SPFMacroContext(sender: fullSender, localPart: localPart, senderDomain: senderDomain,
                                      domain: domain, ip: client, helo: helo, receiver: receivingHost,
                                      timestamp: now())
        let evaluator = SPFEvaluator(resolver: resolver, limits: limits, context: context)
        var outcome = SPFOutcome(result: .none, identity: identity, sender: fullSender, domain: domain)
        do {
            let result = try await evaluator.checkHost(domain)
            outcome.result = result.result
            outcome.mechanism = result.result == .none ? nil : result.mechanism
            outcome.explanation = result.explanation
        } catch {
            switch error {
            case .temperror(let problem):
                outcome.result = .temperror
                outcome.problem = problem
            case .permerror(let problem):
                outcome.result = .permerror
                outcome.problem = problem
            }
        }
        outcome.dnssec = evaluator.policySecurity
        return outcome
    }

    /// The MAIL FROM identity (§2.4). An empty reverse-path (`<>` or "") is checked as
    /// postmaster@HELO (§2.4); angle brackets are removed.
    public func checkMailFrom(ip: IPAddress, mailFrom: String, helo: String) async -> SPFOutcome {
        var path = mailFrom
        if path.hasPrefix("<") && path.hasSuffix(">") && path.count >= 2 { path = String(path.dropFirst().dropLast()) }
        if path.isEmpty {
            return await checkHost(ip: ip, domain: helo, sender: "postmaster@\(helo)", helo: helo, identity: .mailFrom)
        }
        let domain = path.lastIndex(of: "@").map { String(path[path.index(after: $0)...]) } ?? path
        return await checkHost(ip: ip, domain: domain, sender: path, helo: helo, identity: .mailFrom)
    }

    /// The HELO identity (§2.3): check_host(<ip>, HELO, postmaster@HELO). A HELO that is an
    /// address literal or not a multi-label name gives none (§4.3).
    public func checkHELO(ip: IPAddress, helo: String) async -> SPFOutcome {
        await checkHost(ip: ip, domain: helo, sender: "postmaster@\(helo)", helo: helo, identity: .helo)
    }
}
