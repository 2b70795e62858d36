// `hato check dns` for accounts' key records: every OPENPGPKEY (RFC 7929) and SMIMEA (RFC 8162)
// record the plan expects must be there. An OPENPGPKEY record counts when it holds the same
// certificate (the same primary key), whatever packet framing wrote it (`gpg --export-options
// export-dane` and Hato's `hato pgp dns` differ in bytes, not in key); an SMIMEA 3 0 0 record
// when it holds the same certificate. Both are believed by senders only from a DNSSEC-signed
// zone (RFC 7929 §7, RFC 8162 §7), which the result remarks on.

import DNSMessage
import OpenPGP

extension DomainRecordChecker {
    func checkMailboxKeys(_ result: inout DNSCheckResult, expected group: [DomainRecordPlan.Record]) async throws(DNSError) {
        let answer = try await resolver.lookup(result.name, result.type)
        result.found = answer.records.map { Self.summary($0.data) }
        result.expected = group.map { Self.summary($0.data) }
        for record in group where !answer.records.contains(where: { Self.sameKey($0.data, record.data) }) {
            wrong(&result, "no record holds \(record.note.split(separator: " ").prefix(3).joined(separator: " ")) as published by this server")
            return
        }
        if answer.security != .secure {
            result.detail = "not DNSSEC-secure from this resolver: senders ignore unsigned \(result.type) records"
        }
    }

    /// Same certificate: OPENPGPKEY by primary key fingerprint (RNP reads both), SMIMEA by the data.
    static func sameKey(_ found: DNSRecordData, _ expected: DNSRecordData) -> Bool {
        if case .unknown(let type, let foundBytes) = found, case .unknown(_, let expectedBytes) = expected, type == OpenPGPKeyRecords.type {
            if foundBytes == expectedBytes { return true }
            guard let a = try? OpenPGPCertificate.read(foundBytes), let b = try? OpenPGPCertificate.read(expectedBytes) else { return false }
            return Set(a.map(\.fingerprint)) == Set(b.map(\.fingerprint))
        }
        return found == expected
    }

    /// A short form for the report: the key's fingerprint rather than kilobytes of hex.
    static func summary(_ data: DNSRecordData) -> String {
        if case .unknown(let type, let bytes) = data, type == OpenPGPKeyRecords.type {
            let fingerprints = (try? OpenPGPCertificate.read(bytes))?.map(\.fingerprint) ?? []
            return "OPENPGPKEY " + (fingerprints.isEmpty ? "(\(bytes.count) octets, not a certificate)" : fingerprints.joined(separator: ", "))
        }
        if case .smimea(let usage, let selector, let matchingType, let bytes) = data {
            return "SMIMEA \(usage) \(selector) \(matchingType) (\(bytes.count) octets)"
        }
        return data.description
    }
}
