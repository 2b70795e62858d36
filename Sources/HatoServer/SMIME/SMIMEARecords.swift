// SMIMEA records (RFC 8162, DANE for S/MIME certificates): publishing accounts' certificates
// under `<SHA2-256 of the local part, first 28 octets, hex>._smimecert.<domain>` (`hato smime
// dns`), and finding a recipient's certificate there when the store has none. A record is
// believed only when the answer is DNSSEC-secure (RFC 8162 §7: without DNSSEC anyone on the path
// could choose the key mail is encrypted to).

import DNSMessage
import Foundation
import MailCore
import MailStore
import SMIME

public enum SMIMEARecords {
    /// RFC 8162 §3.
    public static func ownerName(_ address: EmailAddress) -> String {
        OpenPGPKeyRecords.hashedOwnerName(localPart: address.localPart, label: "_smimecert", domain: address.domain)
    }

    public typealias Entry = MailboxKeyRecord

    /// One `SMIMEA 3 0 0` record (DANE-EE, the full certificate, no hash: RFC 8162 §2 with
    /// RFC 6698 §2.1, the form a sender can encrypt with) per account certificate and address,
    /// in `domain` when given.
    public static func entries(_ certificates: [StoredSMIMECertificate], domain: Domain?, ttl: UInt32 = 3600) throws -> [Entry] {
        var entries: [Entry] = []
        for certificate in certificates {
            guard case .account(let account) = certificate.owner, domain == nil || account.domain == domain else { continue }
            for email in certificate.addresses {
                guard let address = try? EmailAddress(email), address.domain == account.domain else { continue }
                entries.append(Entry(address: address, fingerprint: certificate.fingerprint, record: DNSResourceRecord(
                    name: try DNSName(ownerName(address)), ttl: ttl,
                    data: .smimea(usage: 3, selector: 0, matchingType: 0, data: certificate.certificate))))
            }
        }
        return entries.sorted { ($0.address.canonical, $0.fingerprint) < ($1.address.canonical, $1.fingerprint) }
    }

    /// Why a lookup gave no certificate, for logs and `hato smime encrypt`.
    public enum Miss: Error, Equatable, CustomStringConvertible {
        case none
        case notSecure(DNSSecurityStatus)
        case unusable(String)

        public var description: String {
            switch self {
            case .none: "no SMIMEA record"
            case .notSecure(let status): "SMIMEA answer is \(status.rawValue), not DNSSEC-secure"
            case .unusable(let reason): "no usable SMIMEA record: \(reason)"
            }
        }
    }

    /// The certificate a DNSSEC-secure SMIMEA RRset gives for encrypting to `address`: a DANE-EE
    /// (usage 3) record carrying the whole certificate (selector 0, matching type 0), for the
    /// address (RFC 8550 §3), allowing encryption, within its validity. Usages 0–2 would need a
    /// PKIX chain the record does not carry, and hashed forms hold no certificate to encrypt to.
    public static func certificate(for address: EmailAddress, resolver: any DNSResolving, now: Date = Date()) async -> Result<SMIMECertificate, Miss> {
        guard let name = try? DNSName(ownerName(address)) else { return .failure(.none) }
        let answer: DNSAnswer
        do {
            answer = try await resolver.lookup(name, .smimea)
        } catch {
            if error.security == .bogus { return .failure(.notSecure(.bogus)) }
            return .failure(error.isNotFound ? .none : .unusable("lookup failed: \(error)"))
        }
        guard answer.security == .secure else { return .failure(.notSecure(answer.security)) }
        var reasons: [String] = []
        for record in answer.records {
            guard case .smimea(let usage, let selector, let matchingType, let data) = record.data else { continue }
            guard usage == 3, selector == 0, matchingType == 0 else {
                reasons.append("\(usage) \(selector) \(matchingType) holds no certificate to encrypt to")
                continue
            }
            guard let certificate = try? SMIMECertificate(der: data) else { reasons.append("not a certificate"); continue }
            guard certificate.isFor(address.description) || certificate.isFor(address.canonical) else {
                reasons.append("\(certificate.fingerprint) is not for \(address.canonical)")
                continue
            }
            guard certificate.canEncrypt, certificate.isValid(at: now) else {
                reasons.append("\(certificate.fingerprint) does not allow encryption now")
                continue
            }
            return .success(certificate)
        }
        return .failure(.unusable(reasons.joined(separator: "; ")))
    }
}
