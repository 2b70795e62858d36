import DNSMessage
import Foundation
import MailAuth
import MailCore
import MailMessage
import Synchronization
import Testing

/// The prefetches (`InboundAuthenticator.prefetch`) start the DMARC policy and DKIM key lookups
/// early, and skip those whose first answer the resolver has cached: such a lookup would warm
/// nothing and cost a thread hand-off and the work twice for every message from a known domain.
@Suite struct PrefetchTests {
    /// Counts lookups by name; answers NXDOMAIN; "cached" names are reported as cached.
    final class CountingResolver: DNSResolving {
        let cached: Set<String>
        let asked = Mutex<[String]>([])
        init(cached: Set<String>) { self.cached = cached }

        func lookup(_ name: DNSName, _ type: DNSRecordType) async throws(DNSError) -> DNSAnswer {
            asked.withLock { $0.append(Self.text(name)) }
            throw DNSError(.nxdomain, name: name)
        }

        func hasCachedAnswer(_ name: DNSName, _ type: DNSRecordType) -> Bool {
            type == .txt && cached.contains(Self.text(name))
        }

        /// Lower case, without the root's dot.
        static func text(_ name: DNSName) -> String {
            let text = name.description.lowercased()
            return text.hasSuffix(".") ? String(text.dropLast()) : text
        }
    }

    static let header = MIMEMessage(parsing: Array("""
        DKIM-Signature: v=1; a=rsa-sha256; d=signer.test; s=sel; h=from; bh=AAAA; b=AAAA\r
        From: Someone <someone@author.test>\r
        Subject: hi\r
        \r
        body\r

        """.utf8)).header

    private func asked(after start: (InboundAuthenticator) -> Void, cached: Set<String>) async throws -> Set<String> {
        let resolver = CountingResolver(cached: cached)
        start(InboundAuthenticator(resolver: resolver, authservID: "mx.example.test"))
        // The prefetches run detached; give them time to ask (they ask at once, or never).
        try await Task.sleep(for: .milliseconds(300))
        return Set(resolver.asked.withLock { $0 })
    }

    @Test func lookupsStartUnlessTheirAnswerIsCached() async throws {
        let fresh = try await asked(after: { $0.prefetch(header: Self.header) }, cached: [])
        #expect(fresh.contains("_dmarc.author.test") && fresh.contains("sel._domainkey.signer.test"), "\(fresh)")

        let known = try await asked(after: { $0.prefetch(header: Self.header) },
                                    cached: ["_dmarc.author.test", "sel._domainkey.signer.test"])
        #expect(known.isEmpty, "\(known)")

        let keyOnly = try await asked(after: { $0.prefetch(header: Self.header) }, cached: ["_dmarc.author.test"])
        #expect(keyOnly == ["sel._domainkey.signer.test"], "\(keyOnly)")
    }

    @Test func theEnvelopeSendersPolicyIsPrefetchedUnlessCached() async throws {
        let domain = try Domain("bounces.author.test")
        let fresh = try await asked(after: { $0.prefetch(mailFromDomain: domain) }, cached: [])
        #expect(fresh.contains("_dmarc.bounces.author.test"), "\(fresh)")
        let known = try await asked(after: { $0.prefetch(mailFromDomain: domain) }, cached: ["_dmarc.bounces.author.test"])
        #expect(known.isEmpty, "\(known)")
    }
}
