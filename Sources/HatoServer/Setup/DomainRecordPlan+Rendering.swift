// The plan as an operator reads it (a zone-file snippet to paste) and as a script reads it
// (JSON; the quickstart tests serve exactly these records from the test DNS server).

import Crypto
import DNSMessage
import Foundation
import MailCore
import NIOSSL

extension DomainRecordPlan.Input {
    /// The input for `domain` as configured: host name, `server.public_ips`, the listeners' ports,
    /// the CA of `acme.directory` (Let's Encrypt when unset) and the domain's active DKIM keys.
    public init(settings: HatoConfig, domain: Domain, dkimKeys: [DomainRecordPlan.DKIMKey], acmeDirectory: String?,
                now: Date = Date()) {
        var ports: [HatoConfig.ListenerKind: Int] = [:]
        for (kind, addresses) in settings.listeners {
            if let address = addresses.first(where: { !$0.isLoopback }) ?? addresses.first { ports[kind] = address.port }
        }
        self.init(domain: domain, hostname: settings.hostname, publicIPs: settings.server.publicIPs, dkimKeys: dkimKeys,
                  ports: ports, caaIssuer: DomainRecordPlan.caaIssuer(acmeDirectory: acmeDirectory),
                  mtaSTSID: DomainRecordPlan.mtaSTSID(now))
        tlsaSPKIDigest = DomainRecordPlan.servedKeyDigest(settings)
    }
}

extension DomainRecordPlan {
    /// The records in master-file form (RFC 1035 §5.1) with absolute names, a comment above each
    /// group; the PTR records, which belong to the address owner, commented out at the end.
    public var zoneSnippet: String {
        let addresses = input.publicIPs.map(\.description).joined(separator: ", ")
        var lines = [
            "; DNS records for \(input.domain), mail host \(hostname.relativeDescription) (\(addresses)).",
            "; Paste them into the \(input.domain) zone, then run: hato check dns \(input.domain)",
        ]
        if !hostname.isSubdomain(of: domain) {
            lines.append("; \(hostname) is outside \(domain): its A/AAAA and SPF records go in the zone that holds it.")
        }
        var lastNote = ""
        for record in records where record.publisher == .zone {
            if record.note != lastNote {
                lines.append("")
                lines.append("; \(record.note)")
                lastNote = record.note
            }
            lines.append(record.zoneLine)
        }
        let reverse = records.filter { $0.publisher == .provider }
        if !reverse.isEmpty {
            lines.append("")
            lines.append("; Reverse DNS is not in your zone: ask the provider of each address (usually a field in")
            lines.append("; the VPS control panel) to set these, so receivers see \(hostname.relativeDescription) both ways (FCrDNS):")
            lines += reverse.map { "; " + $0.zoneLine }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One JSON object per record: purpose, name, ttl, type, value (master-file RDATA), text (TXT
    /// only, the strings joined), publish ("zone" or "provider"), note.
    public var jsonRecords: [[String: Any]] {
        records.map { record in
            var object: [String: Any] = [
                "purpose": record.purpose.rawValue, "name": record.name.description, "ttl": Int(record.ttl),
                "type": record.type.description, "value": record.data.description, "publish": record.publisher.rawValue,
                "note": record.note,
            ]
            if let text = record.data.joinedText { object["text"] = text }
            return object
        }
    }
}

extension DomainRecordPlan {
    /// SHA-256 of the SubjectPublicKeyInfo of the certificate the server presents: `tls.cert`,
    /// else the ACME certificate, else the generated one; nil when none exists yet.
    static func servedKeyDigest(_ settings: HatoConfig) -> [UInt8]? {
        var candidates: [URL] = []
        if let configured = settings.tlsCertificate { candidates.append(configured) }
        if let acme = settings.acme { candidates.append(ACMECertificateFiles(dataDirectory: settings.dataDirectory, settings: acme).chain) }
        candidates.append(settings.generatedCertificate)
        for file in candidates where FileManager.default.fileExists(atPath: file.path) {
            guard let leaf = try? NIOSSLCertificate.fromPEMFile(file.path).first,
                  let spki = try? leaf.extractPublicKey().toSPKIBytes() else { return nil }
            return Array(SHA256.hash(data: spki))
        }
        return nil
    }
}
