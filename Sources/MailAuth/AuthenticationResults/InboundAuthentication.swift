// The whole inbound verdict on a received message (the MX path and `hato auth check`): SPF for
// MAIL FROM and HELO (RFC 7208), every DKIM signature (RFC 6376), the ARC chain (RFC 8617),
// DMARC (RFC 9989) and the local disposition, written into one Authentication-Results field
// (RFC 8601).

import DNSMessage
import Foundation

public struct InboundAuthenticationRequest: Sendable {
    /// The message split once (from raw bytes, or from a `ReceivedMessage`'s one parse).
    public var message: DKIMMessage
    public var clientIP: IPAddress
    /// The reverse-path without angle brackets; "" for the null reverse-path `<>`.
    public var mailFrom: String
    public var helo: String
    /// SPF verdicts already computed at MAIL FROM (the SMTP server checks there); nil = check now.
    public var spfMailFrom: SPFOutcome?
    public var spfHELO: SPFOutcome?

    public init(message: [UInt8], clientIP: IPAddress, mailFrom: String, helo: String,
                spfMailFrom: SPFOutcome? = nil, spfHELO: SPFOutcome? = nil) {
        self.init(message: DKIMMessage(message), clientIP: clientIP, mailFrom: mailFrom, helo: helo,
                  spfMailFrom: spfMailFrom, spfHELO: spfHELO)
    }

    public init(message: DKIMMessage, clientIP: IPAddress, mailFrom: String, helo: String,
                spfMailFrom: SPFOutcome? = nil, spfHELO: SPFOutcome? = nil) {
        self.message = message
        self.clientIP = clientIP
        self.mailFrom = mailFrom
        self.helo = helo
        self.spfMailFrom = spfMailFrom
        self.spfHELO = spfHELO
    }
}

public struct InboundVerdict: Sendable {
    public var spf: SPFOutcome
    public var spfHELO: SPFOutcome?
    public var dkim: [DKIMSignatureResult]
    public var arc: ARCOutcome
    public var dmarc: DMARCOutcome
    public var disposition: DMARCDisposition
    /// The RFC5321.MailFrom domain DMARC used (nil for `<>`).
    public var mailFromDomain: String?
    /// The Authentication-Results field to prepend, CRLF-terminated.
    public var authenticationResults: String
    /// Its resinfo list, for an ARC-Authentication-Results when the message is sealed on.
    public var resultsPayload: String
}

public struct InboundAuthenticator: Sendable {
    public let resolver: any DNSResolving
    public var authservID: String
    public var dkim: DKIMVerifierConfiguration
    public var dmarcLimits: DMARCLimits
    public var localPolicy: DMARCLocalPolicy

    public init(resolver: any DNSResolving, authservID: String, dkim: DKIMVerifierConfiguration = DKIMVerifierConfiguration(),
                dmarcLimits: DMARCLimits = DMARCLimits(), localPolicy: DMARCLocalPolicy = DMARCLocalPolicy()) {
        self.resolver = resolver
        self.authservID = authservID
        self.dkim = dkim
        self.dmarcLimits = dmarcLimits
        self.localPolicy = localPolicy
    }

    public func authenticate(_ request: InboundAuthenticationRequest, now: Date = Date()) async -> InboundVerdict {
        let spfVerifier = SPFVerifier(resolver: resolver, receivingHost: authservID)
        var spf: SPFOutcome
        if let known = request.spfMailFrom {
            spf = known
        } else {
            spf = await spfVerifier.checkMailFrom(ip: request.clientIP, mailFrom: request.mailFrom, helo: request.helo)
        }
        var spfHELO = request.spfHELO
        if request.spfMailFrom == nil && !request.mailFrom.isEmpty {
            spfHELO = await spfVerifier.checkHELO(ip: request.clientIP, helo: request.helo)
        }
        if request.mailFrom.isEmpty { spf.identity = .helo }

        // DKIM, ARC and the DMARC policy discovery need only DNS and the message: run them
        // together (RFC 9989 §5.3.1's record lookup does not wait for the DKIM verdicts).
        let message = request.message
        let dmarcVerifier = DMARCVerifier(resolver: resolver, limits: dmarcLimits)
        let authorDomains = DMARCAuthorDomains.extract(from: message)
        async let signaturesLookup = DKIMVerifier(resolver: resolver, configuration: dkim).verify(message, now: now)
        async let arcLookup = ARCVerifier(resolver: resolver, minimumRSABits: dkim.minimumRSABits).verify(message)
        async let policyLookup = dmarcVerifier.discover(authorDomains)
        let signatures = await signaturesLookup
        let arc = await arcLookup
        let discovery = await policyLookup

        // RFC 9989 §4.4.2: only the MAIL FROM identity; `<>` gives no SPF-authenticated identifier.
        let mailFromDomain = request.mailFrom.lastIndex(of: "@").map { String(request.mailFrom[request.mailFrom.index(after: $0)...]).lowercased() }
        let dmarc = await dmarcVerifier.verify(
            discovery, spf: DMARCSPFInput(result: spf.result, domain: request.mailFrom.isEmpty ? nil : mailFromDomain),
            dkim: signatures.compactMap { result in
                result.domain.map { DMARCDKIMInput(domain: $0, selector: result.selector ?? "", passed: result.result == .pass) }
            })

        var forwarderDomains: [String] = []
        if spf.result == .pass, let mailFromDomain { forwarderDomains.append(mailFromDomain) }
        forwarderDomains += signatures.filter { $0.result == .pass }.compactMap(\.domain)
        let disposition = localPolicy.disposition(for: dmarc, client: .init(ip: request.clientIP, domains: forwarderDomains,
                                                                               arcSealer: arc.latestSealer))

        var builder = AuthenticationResultsBuilder(authservID: authservID)
        if request.mailFrom.isEmpty {
            builder.add(.spf(spf, heloName: request.helo))
        } else {
            builder.add(.spf(spf, heloName: request.helo))
            if let spfHELO { builder.add(.spf(spfHELO, heloName: request.helo)) }
        }
        if signatures.isEmpty {
            builder.add(AuthenticationResult(method: "dkim", result: "none"))
        }
        for signature in signatures {
            builder.add(.dkim(result: signature.result.rawValue, domain: signature.domain, selector: signature.selector,
                              signature: signature.headerB, algorithm: signature.algorithm,
                              reason: signature.result == .pass ? nil : signature.reason, keyDNSSEC: signature.keyDNSSEC))
        }
        builder.add(.dmarc(dmarc, disposition: disposition))
        builder.add(.arc(result: arc.result.rawValue, instance: arc.instance == 0 ? nil : arc.instance,
                         oldestPass: arc.oldestPass, remoteIP: "\(request.clientIP)", reason: arc.reason))
        return InboundVerdict(
            spf: spf, spfHELO: spfHELO, dkim: signatures, arc: arc, dmarc: dmarc, disposition: disposition,
            mailFromDomain: request.mailFrom.isEmpty ? nil : mailFromDomain, authenticationResults: builder.field,
            resultsPayload: builder.results.map(\.encoded).joined(separator: ";\r\n\t"))
    }
}
