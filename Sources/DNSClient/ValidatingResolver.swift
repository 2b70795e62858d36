// The DNSSEC-validating resolver (`[dns] dnssec = "validate"`, docs/dns.md): libunbound checks
// every answer from the trust anchors (RFC 4035 §5), asking the configured servers as
// forwarders, and this type maps its verdict onto `DNSAnswer.security` / `DNSError.security`:
// - secure: the answer, or the NXDOMAIN/NODATA proof (NSEC, RFC 4035 §5.4; NSEC3, RFC 5155 §8),
//   checked from an anchor;
// - insecure: no anchor covers the name, or a signed parent proved the delegation unsigned;
// - bogus: validation failed. The answer is never believed: callers get a SERVFAIL-like
//   `serverFailure` (a temporary error: temperror for SPF/DKIM/DMARC, a defer for delivery),
//   with unbound's why_bogus as the detail (RFC 4035 §5.5, as a validating resolver does);
// - indeterminate: no verdict because no usable answer came at all (timeout, SERVFAIL upstream).
// libunbound caches answers itself (its rrset and message caches), so there is no cache here.

import DNSMessage
import Logging
import NIOPosix

public final class ValidatingResolver: DNSResolving, Sendable {
    private let context: UnboundContext
    private let threadPool: NIOThreadPool
    private let maxCNAMEChain: Int
    private let logger: Logger

    /// - Parameters:
    ///   - servers: forwarders; empty: /etc/resolv.conf's nameservers.
    ///   - trustAnchorFiles: DS or DNSKEY records in zone-file format; Debian's root key is
    ///     /usr/share/dns/root.key (package dns-root-data).
    public init(servers: [DNSServer], trustAnchorFiles: [String], maxCNAMEChain: Int = 8,
                threadPool: NIOThreadPool = .singleton, logger: Logger = Logger(label: "hato.dns")) throws {
        context = try UnboundContext(forwarders: servers, trustAnchorFiles: trustAnchorFiles)
        self.threadPool = threadPool
        self.maxCNAMEChain = maxCNAMEChain
        self.logger = logger
    }

    /// One question as libunbound answered it, unchased: the reply, its status and why
    /// (what `hato dns query --dnssec` prints).
    public func query(_ name: DNSName, _ type: DNSRecordType) async throws(DNSError) -> ValidatedResponse {
        let outcome = try await ask(name, type)
        var message: DNSMessage?
        if let packet = outcome.packet { message = try? DNSMessage(decoding: packet) }
        return ValidatedResponse(message: message, rcode: outcome.rcode, security: Self.status(outcome),
                                 whyBogus: outcome.whyBogus)
    }

    public func lookup(_ name: DNSName, _ type: DNSRecordType) async throws(DNSError) -> DNSAnswer {
        var chain: [DNSResourceRecord] = []
        var current = name
        var security = DNSSecurityStatus.secure
        while true {
            let outcome = try await ask(current, type)
            let status = Self.status(outcome)
            if status == .bogus {
                logger.warning("DNSSEC bogus answer refused", metadata: [
                    "name": "\(current)", "type": "\(type)", "why": "\(outcome.whyBogus ?? "")"])
                throw DNSError(.serverFailure, name: current, responseCode: .serverFailure, security: .bogus,
                               detail: outcome.whyBogus ?? "DNSSEC validation failed")
            }
            guard let packet = outcome.packet, let response = try? DNSMessage(decoding: packet) else {
                throw DNSError(.timeout, name: current, security: .indeterminate, detail: "no answer from the resolvers")
            }
            guard response.responseCode == .noError || response.responseCode == .nameError else {
                throw DNSError(.serverFailure, name: current, responseCode: response.responseCode,
                               security: .indeterminate, detail: "from the validating resolver")
            }
            if status != .secure { security = .insecure }
            switch DNSResponseInterpreter.interpret(response, name: current, type: type,
                                                    maxChain: maxCNAMEChain - chain.count) {
            case .records(let cnames, let records):
                return DNSAnswer(question: DNSQuestion(name: name, type: type), canonicalName: records[0].name,
                                 cnameChain: chain + cnames, records: records, security: security)
            case .chase(let cnames, let target):
                chain += cnames
                let seen = Set(chain.map { $0.name.lowercased })
                guard chain.count < maxCNAMEChain, !seen.contains(target.lowercased) else {
                    throw DNSError(.cnameLimit, name: name, detail: "CNAME chain too long or looping")
                }
                current = target
            case .negative(_, let kind, let at, _):
                // A secure NXDOMAIN/NODATA is an authenticated denial (NSEC or NSEC3 proof checked).
                throw DNSError(kind, name: at, responseCode: kind == .nxdomain ? .nameError : .noError, security: security)
            case .cnameLimit(let at):
                throw DNSError(.cnameLimit, name: at, detail: "CNAME chain too long or looping")
            }
        }
    }

    private func ask(_ name: DNSName, _ type: DNSRecordType) async throws(DNSError) -> UnboundOutcome {
        let context = self.context
        let result: Result<UnboundOutcome, UnboundError>
        do {
            result = try await threadPool.runIfActive { () -> Result<UnboundOutcome, UnboundError> in
                do throws(UnboundError) { return .success(try context.resolve(name, type)) } catch { return .failure(error) }
            }
        } catch {
            throw DNSError(.timeout, name: name, security: .indeterminate, detail: "resolver thread pool stopped")
        }
        switch result {
        case .success(let outcome): return outcome
        case .failure(let error):
            throw DNSError(.serverFailure, name: name, security: .indeterminate, detail: error.description)
        }
    }

    static func status(_ outcome: UnboundOutcome) -> DNSSecurityStatus {
        if outcome.bogus { return .bogus }
        if outcome.secure { return .secure }
        return outcome.packet == nil ? .indeterminate : .insecure
    }
}

/// One unchased reply and its DNSSEC verdict.
public struct ValidatedResponse: Sendable {
    /// The reply as the validator passed it on (nil when none came).
    public var message: DNSMessage?
    public var rcode: Int32
    public var security: DNSSecurityStatus
    /// unbound's reason when `security` is bogus.
    public var whyBogus: String?
}
