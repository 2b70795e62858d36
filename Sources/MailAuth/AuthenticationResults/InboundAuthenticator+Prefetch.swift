import MailCore
import MailMessage

extension InboundAuthenticator {
    /// Starts the DNS lookups that `authenticate` will need as soon as the header section is
    /// known, while the body is still arriving: the DMARC policy discovery of the From domains
    /// (RFC 9989 §4.10) and the key of each DKIM-Signature that will be evaluated (RFC 6376
    /// §6.1.2). The lookups run detached and only warm the resolver, whose cache and shared
    /// in-flight queries (DNSClient) then answer `authenticate` at the end of DATA; a prefetch
    /// that fails costs nothing, the real check asks again. Bounded like the checks themselves:
    /// at most `dkim.maxSignatures` keys, one policy discovery.
    ///
    /// A lookup whose first answer the resolver already has cached is not started: the task that
    /// would warm nothing cost a thread of the cooperative pool woken and a DMARC tree walk or a
    /// key parse done twice, for every message from a domain seen recently (issue 24).
    public func prefetch(header: HeaderSection) {
        let authorDomains = DMARCAuthorDomains.extract(fromFieldValues: header.fields(named: "From").map(\.unfoldedValue))
        if case .domains(let domains) = authorDomains, !domains.allSatisfy(policyIsCached) {
            let verifier = DMARCVerifier(resolver: resolver, limits: dmarcLimits)
            Task { _ = await verifier.discover(authorDomains) }
        }
        let keys = DKIMVerifier(resolver: resolver, configuration: dkim)
        var seen: Set<String> = []
        for field in header.fields(named: "DKIM-Signature").prefix(dkim.maxSignatures)
        where field.raw.count <= dkim.maxSignatureFieldLength {
            guard let signature = try? DKIMSignature.parsed(value: field.rawValue),
                  seen.insert("\(signature.selector)._domainkey.\(signature.domain)").inserted,
                  !resolver.hasCachedAnswer("\(signature.selector)._domainkey.\(signature.domain)", .txt) else { continue }
            Task { _ = await keys.fetchKey(selector: signature.selector, domain: signature.domain, algorithm: signature.algorithm) }
        }
    }

    /// Starts the DMARC policy discovery of the envelope sender's domain at MAIL FROM, before
    /// the header names the Author Domain: most mail aligns (RFC 9989 §3.2.2, the Author Domain
    /// is the MAIL FROM domain or shares its Organizational Domain), so the lookups overlap SPF,
    /// RCPT and the body instead of starting when the header has arrived. Speculative like
    /// `prefetch(header:)`: it only warms the resolver's cache, and a From domain that differs
    /// is discovered from the header as before.
    public func prefetch(mailFromDomain domain: Domain) {
        guard !policyIsCached(domain.name) else { return }
        let verifier = DMARCVerifier(resolver: resolver, limits: dmarcLimits)
        Task { _ = await verifier.discover(.domains([domain.name])) }
    }

    /// Whether the first question of the domain's policy discovery (RFC 9989 §4.10.1: the
    /// `_dmarc` TXT record of the Author Domain itself) has a cached answer.
    private func policyIsCached(_ domain: String) -> Bool {
        resolver.hasCachedAnswer("_dmarc." + domain, .txt)
    }
}
