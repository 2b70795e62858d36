// DKIM key management over the store: generation (with the TXT record to publish), rotation and
// loading signing keys. Used by `hato dkim ...` and by signing on submission.

import DNSMessage
import Foundation
import MailAuth
import MailCore
import MailStore

public struct DKIMKeyManager: Sendable {
    public let store: any DKIMKeyStore

    public init(store: any DKIMKeyStore) { self.store = store }

    /// A generated key and the DNS record that publishes it.
    public struct Generated: Sendable {
        public var key: StoredDKIMKey
        /// selector._domainkey.domain
        public var recordName: String
        /// The TXT record's text (v=DKIM1; k=...; p=...).
        public var record: String
        /// RSA modulus size, or 256 for Ed25519.
        public var bits: Int

        /// The record as a zone-file line, its text split into strings of at most 255 bytes
        /// (RFC 1035 §3.3.14; RFC 6376 §3.6.2.2 says they are joined without spaces).
        public var zoneFileLine: String {
            let bytes = Array(record.utf8)
            let strings = stride(from: 0, to: bytes.count, by: 255).map {
                "\"" + String(decoding: bytes[$0..<min($0 + 255, bytes.count)], as: UTF8.self) + "\""
            }
            return "\(recordName). IN TXT ( \(strings.joined(separator: " ")) )"
        }
    }

    /// The selectors one `keygen` creates: the given one for a single algorithm, `S-rsa` and
    /// `S-ed25519` for both (each key needs its own DNS record).
    public static func selectors(_ base: String, algorithms: [DKIMKeyAlgorithm]) -> [(String, DKIMKeyAlgorithm)] {
        algorithms.count == 1 ? [(base, algorithms[0])] : algorithms.map { ("\(base)-\($0.rawValue)", $0) }
    }

    /// Generates and stores keys. The first keys of a domain become active at once; later ones
    /// wait for `rotate` (after their records are published).
    public func generate(domain: Domain, selector: String, algorithms: [DKIMKeyAlgorithm], rsaBits: Int = 2048,
                         now: Date = Date()) async throws -> [Generated] {
        guard Self.isValidSelector(selector) else { throw DKIMKeyManagerError.invalidSelector(selector) }
        guard rsaBits >= 1024, rsaBits <= 4096 else { throw DKIMKeyManagerError.invalidKeySize(rsaBits) }
        let activate = try await store.activeDKIMKeys(domain: domain).isEmpty
        var generated: [Generated] = []
        // One creation time for the whole batch: rotation activates batches. Not rounded: two
        // batches made within one second (a script, a quick operator) must stay two, the later
        // one newer (rounded to the second, rotate found "no key newer than the active one").
        let created = now
        for (name, algorithm) in Self.selectors(selector, algorithms: algorithms) {
            let key = try DKIMPrivateKey.generate(algorithm == .rsa ? .rsa : .ed25519, rsaBits: rsaBits)
            let stored = StoredDKIMKey(domain: domain, selector: name, algorithm: algorithm, privateKeyPEM: key.pemRepresentation,
                                       created: created, active: activate)
            try await store.addDKIMKey(stored)
            generated.append(Self.describe(stored, key))
        }
        return generated
    }

    /// The record and size for a stored key.
    public static func describe(_ stored: StoredDKIMKey) throws -> Generated {
        describe(stored, try privateKey(stored))
    }

    static func describe(_ stored: StoredDKIMKey, _ key: DKIMPrivateKey) -> Generated {
        let bits: Int = switch key {
        case .rsa(let rsa): rsa.keySizeInBits
        case .ed25519: 256
        }
        return Generated(key: stored, recordName: "\(stored.selector)._domainkey.\(stored.domain.name)", record: key.keyRecord, bits: bits)
    }

    /// Activates the newest batch of inactive keys (one `keygen`) and retires the others. With a
    /// resolver, every key of the batch must first be published: its TXT record must carry this
    /// very public key, or signatures made with it would fail everywhere.
    public func rotate(domain: Domain, checkingWith resolver: (any DNSResolving)? = nil) async throws
        -> (activated: [StoredDKIMKey], retired: [StoredDKIMKey])
    {
        let keys = try await store.dkimKeys(domain: domain)
        let newestActive = keys.filter(\.active).map(\.created).max()
        guard let newest = keys.filter({ !$0.active }).map(\.created).max(), newestActive.map({ newest > $0 }) ?? true else {
            throw DKIMKeyManagerError.nothingToRotate(domain.name)
        }
        let batch = keys.filter { !$0.active && $0.created == newest }
        if let resolver {
            var problems: [String] = []
            for key in batch {
                if let problem = await Self.publicationProblem(key, resolver: resolver) { problems.append(problem) }
            }
            guard problems.isEmpty else { throw DKIMKeyManagerError.notPublished(problems) }
        }
        try await store.activateDKIMSelectors(batch.map(\.selector), domain: domain)
        return (batch, keys.filter(\.active))
    }

    /// Why `key` is not usable by receivers yet (nil when its record is published as generated).
    public static func publicationProblem(_ key: StoredDKIMKey, resolver: any DNSResolving) async -> String? {
        let expected: Generated
        do { expected = try describe(key) } catch { return "\(key.selector): stored key unreadable: \(error)" }
        let texts: [String]
        do {
            texts = try await resolver.lookupTXT(try DNSName(expected.recordName))
        } catch {
            return "\(expected.recordName): no TXT record (\(error))"
        }
        let wanted = try? DKIMKeyRecord(expected.record).publicKey
        if texts.contains(where: { (try? DKIMKeyRecord($0))?.publicKey == wanted }) { return nil }
        return "\(expected.recordName): the TXT record does not hold this key's p="
    }

    /// The active keys of `domain` ready to sign; with a selector, that key whatever its state,
    /// or both keys of a `keygen --algorithm both` when given its base selector (S for S-rsa, S-ed25519).
    public func signingKeys(domain: Domain, selector: String? = nil) async throws -> [DKIMSigningKey] {
        let all = try await store.dkimKeys(domain: domain)
        var stored = all.filter { selector == nil ? $0.active : $0.selector == selector }
        if let selector, stored.isEmpty {
            let batch = Set(Self.selectors(selector, algorithms: DKIMKeyAlgorithm.allCases).map(\.0))
            stored = all.filter { batch.contains($0.selector) }
        }
        // RSA first, then Ed25519 (RFC 8463 §5: verifiers that know only RSA still find theirs).
        return try stored.sorted { ($0.algorithm == .rsa ? 0 : 1) < ($1.algorithm == .rsa ? 0 : 1) }.map {
            DKIMSigningKey(domain: $0.domain.name, selector: $0.selector, privateKey: try Self.privateKey($0))
        }
    }

    static func privateKey(_ stored: StoredDKIMKey) throws -> DKIMPrivateKey {
        try DKIMPrivateKey(pem: stored.privateKeyPEM, type: stored.algorithm == .rsa ? .rsa : .ed25519)
    }

    /// A selector is one or more DNS labels of letters, digits, '-' and '_' (RFC 6376 §3.1).
    static func isValidSelector(_ selector: String) -> Bool {
        !selector.isEmpty && selector.utf8.count <= 63 && selector.split(separator: ".", omittingEmptySubsequences: false).allSatisfy {
            !$0.isEmpty && $0.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x2D || $0 == 0x5F }
        }
    }
}

public enum DKIMKeyManagerError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidSelector(String)
    case invalidKeySize(Int)
    case nothingToRotate(String)
    case notPublished([String])
    case noKeys(String)

    public var description: String {
        switch self {
        case .invalidSelector(let s): "invalid selector \"\(s)\": use letters, digits, '-' and '_' (RFC 6376 §3.1)"
        case .invalidKeySize(let bits): "RSA key size \(bits) is outside 1024...4096 (2048 is the default)"
        case .nothingToRotate(let d): "\(d) has no key newer than the active one: run hato dkim keygen \(d) --selector NEW first"
        case .notPublished(let problems):
            "not rotated, the new keys are not published yet: " + problems.joined(separator: "; ")
                + " (publish the records from hato dkim list --records, or pass --skip-dns-check)"
        case .noKeys(let d): "no DKIM key for \(d)"
        }
    }
}
