import Crypto
import Foundation
import NIOSSL
import X509

/// Matches a peer's certificate chain against TLSA records (RFC 6698 §2.1, RFC 7671 §5, RFC 7672 §3.1).
///
/// - DANE-EE(3): the leaf alone is compared; names and validity dates are ignored (RFC 7672 §3.1.1,
///   RFC 7671 §5.1).
/// - DANE-TA(2): some certificate the peer sent above the leaf matches; the leaf must then chain
///   to it under RFC 5280 rules (signatures, validity, CA constraints) and carry one of the
///   reference names (RFC 7672 §3.1.2, §3.2.2). A trust anchor the peer did not send cannot be
///   used (RFC 7671 §5.2.2 asks servers to send it): that is a mismatch.
public enum DANECertificateVerifier {
    /// nil when the chain (leaf first, as the handshake delivered it) satisfies `authentication`;
    /// otherwise why not, for the queue's last reply and the log.
    public static func failure(chain: [NIOSSLCertificate], authentication: DANEAuthentication, now: Date = Date()) async -> String? {
        guard !authentication.records.isEmpty else { return nil }  // encrypt-only (RFC 7672 §2.2)
        guard let leaf = chain.first else { return "the peer sent no certificate" }
        let endEntity = authentication.records.filter { $0.usage == TLSAssociation.Usage.daneEE.rawValue }
        if endEntity.contains(where: { matches($0, leaf) }) { return nil }
        let anchors = authentication.records.filter { $0.usage == TLSAssociation.Usage.daneTA.rawValue }
        var reasons: [String] = []
        if !endEntity.isEmpty { reasons.append("no DANE-EE record matches the server certificate") }
        if !anchors.isEmpty {
            // RFC 7671 §5.2.2: the anchor may be any certificate of the chain, the leaf excepted.
            let matched = chain.indices.dropFirst().filter { index in anchors.contains { matches($0, chain[index]) } }
            if matched.isEmpty { reasons.append("no DANE-TA record matches a certificate of the chain") }
            for index in matched {
                if let problem = await chainProblem(chain, anchorIndex: index, names: authentication.referenceNames, now: now) {
                    reasons.append("DANE-TA anchor at depth \(index): \(problem)")
                } else {
                    return nil
                }
            }
        }
        return reasons.joined(separator: "; ")
    }

    /// RFC 6698 §2.1.2–2.1.3: the selected bytes of `certificate`, digested as the record says.
    static func matches(_ record: TLSAssociation, _ certificate: NIOSSLCertificate) -> Bool {
        guard let selected = try? selectedBytes(record.selector, certificate) else { return false }
        let value: [UInt8] = switch TLSAssociation.MatchingType(rawValue: record.matchingType) {
        case .full: selected
        case .sha256: Array(SHA256.hash(data: selected))
        case .sha512: Array(SHA512.hash(data: selected))
        case nil: []
        }
        return !value.isEmpty && value == record.data
    }

    static func selectedBytes(_ selector: UInt8, _ certificate: NIOSSLCertificate) throws -> [UInt8] {
        switch TLSAssociation.Selector(rawValue: selector) {
        case .certificate: try certificate.toDERBytes()
        case .subjectPublicKeyInfo: try certificate.extractPublicKey().toSPKIBytes()
        case nil: []
        }
    }

    /// The `2 x x` path: the leaf must validate up to the matched certificate, taken as a root,
    /// for one of the reference names. nil when it does.
    static func chainProblem(_ chain: [NIOSSLCertificate], anchorIndex: Int, names: [String], now: Date) async -> String? {
        let parsed: [Certificate]
        do {
            parsed = try chain[...anchorIndex].map { try Certificate(derEncoded: try $0.toDERBytes()) }
        } catch {
            return "unparseable certificate: \(error)"
        }
        let roots = CertificateStore([parsed[anchorIndex]])
        let intermediates = CertificateStore(Array(parsed[1..<anchorIndex]))
        var failures: [String] = []
        for name in names {
            var verifier = Verifier(rootCertificates: roots) {
                RFC5280Policy(validationTime: now)
                ServerIdentityPolicy(serverHostname: name, serverIP: nil)
            }
            switch await verifier.validate(leaf: parsed[0], intermediates: intermediates) {
            case .validCertificate: return nil
            case .couldNotValidate(let problems):
                failures.append("\(name): " + (problems.first.map { "\($0.policyFailureReason)" } ?? "no chain to the anchor"))
            }
        }
        return failures.isEmpty ? "no reference name" : failures.joined(separator: ", ")
    }
}
