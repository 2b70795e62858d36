// `hato check tls`: for each public listener, the certificate chain it presents, the names and
// expiry of its certificate, whether a client trusts it, and which TLS versions it accepts
// (1.2 and 1.3 wanted; 1.0 and 1.1 must be refused, RFC 8996).

import DNSMessage
import Foundation
import NIOCore
import NIOSSL
import X509

public struct TLSProbe: Sendable {
    public struct Target: Sendable, Hashable {
        /// The listener kind ("imaps", "submission", ...).
        public var kind: String
        public var host: String
        public var port: Int
        public var start: TLSProbeStart
        /// The name the certificate must carry, sent as SNI.
        public var serverName: String

        public init(kind: String, host: String, port: Int, start: TLSProbeStart, serverName: String) {
            self.kind = kind
            self.host = host
            self.port = port
            self.start = start
            self.serverName = serverName
        }

        public var address: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    public struct CertificateSummary: Sendable, Hashable {
        public var subject: String
        public var issuer: String
        public var dnsNames: [String]
        public var notBefore: Date
        public var notAfter: Date
    }

    public struct Report: Sendable {
        public var target: Target
        /// The handshake with TLS 1.2 or 1.3, or why there was none.
        public var version: String?
        public var error: String?
        /// Leaf first, as the server sent it.
        public var chain: [CertificateSummary] = []
        public var namesMatch = false
        public var trusted = false
        public var trustError: String?
        /// "TLSv1.0" ... "TLSv1.3" -> accepted.
        public var versions: [(String, Bool)] = []
        public var problems: [String] = []
    }

    public var timeout: TimeAmount
    /// PEM file of the CAs to trust instead of the system's.
    public var caFile: String?
    public var now: Date

    public init(timeout: TimeAmount = .seconds(10), caFile: String? = nil, now: Date = Date()) {
        self.timeout = timeout
        self.caFile = caFile
        self.now = now
    }

    /// The listeners of `settings` as targets: a wildcard address is reached by `connectHost`
    /// (default: the host name, as the world reaches it), any other at its own address.
    public static func targets(_ settings: HatoConfig, connectHost: String? = nil) -> [Target] {
        var seen = Set<Target>()
        // 0.0.0.0:25 and [::]:25 are one target: the host name's port 25.
        return all(settings, connectHost: connectHost).filter { seen.insert($0).inserted }
    }

    static func all(_ settings: HatoConfig, connectHost: String?) -> [Target] {
        HatoConfig.ListenerKind.allCases.flatMap { kind -> [Target] in
            let start: TLSProbeStart?
            switch kind {
            case _ where kind.implicitTLS: start = .implicit
            case .smtp, .submission: start = .smtp
            case .imap: start = .imap
            case .pop3: start = .pop3
            default: start = nil
            }
            guard let start else { return [] }
            return (settings.listeners[kind] ?? []).map { address in
                let wildcard = address.host == "0.0.0.0" || address.host == "::"
                return Target(kind: kind.rawValue, host: wildcard ? (connectHost ?? settings.hostname) : (connectHost ?? address.host),
                              port: address.port, start: start, serverName: settings.hostname)
            }
        }
    }

    public func probe(_ target: Target) async -> Report {
        var report = Report(target: target)
        var result: (version: TLSVersion?, chain: [Certificate]) = (nil, [])
        do {
            var capture = TLSConfiguration.makeClientConfiguration()
            capture.minimumTLSVersion = .tlsv12
            capture.certificateVerification = .noHostnameVerification
            let handshake = try await handshake(target, capture, captureChain: true)
            result = (handshake.version, handshake.chain.compactMap(Self.certificate))
            report.version = handshake.version.map(Self.name)
            report.chain = result.chain.map(Self.summary)
        } catch {
            report.error = Self.readable(error)
            report.problems.append("no TLS 1.2 or 1.3 handshake: \(report.error!)")
            if error is TLSProbeConnection.ConnectFailure { return report }
        }
        if let leaf = report.chain.first {
            report.namesMatch = leaf.dnsNames.contains { Self.matches(pattern: $0, name: target.serverName) }
            if !report.namesMatch {
                report.problems.append("the certificate does not name \(target.serverName) (it names \(leaf.dnsNames.joined(separator: ", ")))")
            }
            let days = Int(leaf.notAfter.timeIntervalSince(now) / 86400)
            if leaf.notAfter < now {
                report.problems.append("the certificate expired on \(Self.day(leaf.notAfter))")
            } else if days < 14 {
                report.problems.append("the certificate expires in \(days) days")
            }
        }
        if report.error == nil {
            let problem = await Self.trustProblem(result.chain, name: target.serverName, caFile: caFile, now: now)
            report.trusted = problem == nil
            report.trustError = problem
            if let problem { report.problems.append("a client would not trust the certificate: \(problem)") }
        }
        for version in [TLSVersion.tlsv13, .tlsv12, .tlsv11, .tlsv1] {
            var only = TLSConfiguration.makeClientConfiguration()
            only.minimumTLSVersion = version
            only.maximumTLSVersion = version
            only.certificateVerification = .none
            // Old versions only have old suites; offer them all so acceptance is really tested.
            if version == .tlsv1 || version == .tlsv11 { only.cipherSuites = "ALL" }
            let accepted = (try? await handshake(target, only, captureChain: false)) != nil
            report.versions.append((Self.name(version), accepted))
            if accepted && (version == .tlsv1 || version == .tlsv11) {
                report.problems.append("\(Self.name(version)) is accepted; it is deprecated (RFC 8996)")
            }
        }
        if report.error == nil, !report.versions.contains(where: { $0.0 == "TLSv1.2" && $0.1 }) {
            report.problems.append("TLSv1.2 is refused; many clients and servers still need it")
        }
        return report
    }

    func handshake(_ target: Target, _ configuration: TLSConfiguration, captureChain: Bool) async throws
        -> (version: TLSVersion?, chain: [NIOSSLCertificate])
    {
        try await TLSProbeConnection.handshake(host: target.host, port: target.port, start: target.start, serverName: target.serverName,
                                               configuration: configuration, captureChain: captureChain, timeout: timeout)
    }

    static func certificate(_ certificate: NIOSSLCertificate) -> Certificate? {
        (try? certificate.toDERBytes()).flatMap { try? Certificate(derEncoded: $0) }
    }

    static func summary(_ certificate: Certificate) -> CertificateSummary {
        var names: [String] = []
        if let alternatives = (try? certificate.extensions.subjectAlternativeNames) ?? nil {
            for case .dnsName(let name) in alternatives { names.append(name) }
        }
        return CertificateSummary(subject: certificate.subject.description, issuer: certificate.issuer.description, dnsNames: names,
                                  notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter)
    }

    /// Why a client would refuse `chain` for `name` (RFC 5280 path validation to the system's
    /// roots or `caFile`, RFC 6125 name check); nil when it would accept it.
    static func trustProblem(_ chain: [Certificate], name: String, caFile: String?, now: Date) async -> String? {
        guard let leaf = chain.first else { return "the server sent no certificate" }
        let roots: CertificateStore
        if let caFile {
            guard let text = try? String(contentsOfFile: caFile, encoding: .utf8) else { return "cannot read \(caFile)" }
            let blocks = text.components(separatedBy: "-----END CERTIFICATE-----").dropLast().map { $0 + "-----END CERTIFICATE-----" }
            roots = CertificateStore(blocks.compactMap { try? Certificate(pemEncoded: $0) })
        } else {
            roots = CertificateStore.systemTrustRoots
        }
        let address = IPAddress(name) == nil ? nil : name
        var verifier = Verifier(rootCertificates: roots) {
            RFC5280Policy(validationTime: now)
            ServerIdentityPolicy(serverHostname: address == nil ? name : nil, serverIP: address)
        }
        switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(chain.dropFirst())) {
        case .validCertificate: return nil
        case .couldNotValidate(let failures):
            if chain.count == 1, leaf.subject == leaf.issuer, caFile == nil {
                return "a self-signed certificate: no CA vouches for it (hato uses one until tls.cert or ACME provides a real one)"
            }
            let reasons = Set(failures.map { Self.readable($0.policyFailureReason.description) }).sorted()
            return reasons.isEmpty ? "no chain to a trusted root (\(caFile ?? "the system's roots"))" : reasons.joined(separator: "; ")
        }
    }

    /// BoringSSL's reason code ("TLSV1_ALERT_PROTOCOL_VERSION") rather than the whole error value.
    static func readable(_ error: any Error) -> String {
        let text = "\(error)"
        if let match = text.firstMatch(of: /OPENSSL_internal:([A-Z0-9_]+)/) { return "TLS error \(match.output.1)" }
        return text
    }

    /// swift-certificates prints whole certificates in its reasons; the subject says enough.
    static func readable(_ reason: String) -> String {
        reason.replacing(/Certificate\(version: .*?subject: "([^"]*)".*\]\)/) { "\"\($0.output.1)\"" }
    }

    /// RFC 6125 §6.4: equal ignoring case, or a `*.` wildcard standing for exactly one label.
    static func matches(pattern: String, name: String) -> Bool {
        let pattern = pattern.lowercased(), name = name.lowercased()
        if pattern == name { return true }
        guard pattern.hasPrefix("*."), let dot = name.firstIndex(of: ".") else { return false }
        return name[name.index(after: dot)...] == pattern.dropFirst(2)
    }

    static func name(_ version: TLSVersion) -> String {
        switch version {
        case .tlsv1: "TLSv1.0"
        case .tlsv11: "TLSv1.1"
        case .tlsv12: "TLSv1.2"
        case .tlsv13: "TLSv1.3"
        }
    }

    static func day(_ date: Date) -> String {
        String(ISO8601DateFormatter().string(from: date).prefix(10))
    }
}
