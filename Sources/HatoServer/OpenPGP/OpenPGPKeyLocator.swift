// Finding a correspondent's OpenPGP certificate where their domain publishes it (issue 21
// "Publish and discover", docs/openpgp.md#finding-keys): the Web Key Directory
// (WebKeyDirectoryClient) and OPENPGPKEY records (RFC 7929 §3, believed only from a
// DNSSEC-signed zone, §7, unless `openpgp.trust_insecure_dns`). What is found must be a valid
// certificate with a valid User ID for the address (the draft's §3.1 and RFC 7929 §5 both leave
// that check to the client); it joins the contact directory, so later messages need no lookup.
// Addresses nothing was found for are not asked again for `openpgp.lookup_miss_cache`.

import DNSMessage
import Foundation
import Logging
import MailCore
import MailStore
import NIOSSL
import OpenPGP
import Reception

public struct OpenPGPKeyLocator: OpenPGPKeyLocating {
    /// What one method gave, for `hato pgp locate` and the log.
    public struct Attempt: Sendable {
        public var method: String
        public var outcome: String
    }

    public struct Report: Sendable {
        public var certificates: [OpenPGPCertificate] = []
        public var source: String?
        public var attempts: [Attempt] = []
    }

    let settings: OpenPGPLookupSettings
    let resolver: any DNSResolving
    let store: any OpenPGPKeyStore
    let limits: OpenPGPLimits
    let wkd: WebKeyDirectoryClient
    let misses: LookupMissCache
    let logger: Logger

    public init(settings: OpenPGPLookupSettings, resolver: any DNSResolving, store: any OpenPGPKeyStore, limits: OpenPGPLimits, logger: Logger) {
        self.settings = settings
        self.resolver = resolver
        self.store = store
        self.limits = limits
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = settings.caFile { tls.trustRoots = .file(ca) }
        wkd = WebKeyDirectoryClient(resolver: resolver, tls: tls, port: settings.wkdPort, privateAddresses: settings.privateAddresses,
                                    maxSize: limits.maxCertificateSize)
        misses = LookupMissCache(lifetime: settings.missCache, capacity: settings.missCacheEntries)
        self.logger = logger
    }

    /// Reception: the certificates found (already in the contact directory), within the timeout.
    public func locate(address: String) async -> LocatedOpenPGPKeys? {
        guard let parsed = try? EmailAddress(address), await !misses.contains(address) else { return nil }
        let report = await withTaskGroup(of: Report?.self) { group in
            group.addTask { await self.report(parsed) }
            group.addTask { try? await Task.sleep(for: self.settings.timeout); return nil }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let report else {
            logger.info("openpgp lookup timed out", metadata: ["address": "\(address)"])
            return nil
        }
        logger.info("openpgp lookup", metadata: ["address": "\(address)", "source": "\(report.source ?? "none")",
                                                 "attempts": "\(report.attempts.map { "\($0.method): \($0.outcome)" })"])
        guard let source = report.source else {
            await misses.insert(address)
            return nil
        }
        do {
            let stored = try await keep(report.certificates)
            return LocatedOpenPGPKeys(certificates: stored, source: source)
        } catch {
            logger.error("openpgp lookup: contact directory unavailable", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Every configured method in order until one gives a usable certificate.
    public func report(_ address: EmailAddress) async -> Report {
        var report = Report()
        for method in settings.methods {
            let outcome: Result<Found, LookupMiss>
            switch method {
            case .wkd:
                outcome = await wkd.fetch(address, timeout: settings.timeout)
                    .mapError { LookupMiss(description: $0.description) }
                    .flatMap { fetched in usable(fetched.bytes, for: address).map { Found(certificates: $0, source: fetched.method.rawValue) } }
            case .openpgpkey:
                outcome = await dnsRecords(address).flatMap { records in
                    var reasons: [String] = []
                    for bytes in records {
                        switch usable(bytes, for: address) {
                        case .success(let certificates): return .success(Found(certificates: certificates, source: "openpgpkey"))
                        case .failure(let miss): reasons.append(miss.description)
                        }
                    }
                    return .failure(LookupMiss(description: reasons.joined(separator: "; ")))
                }
            }
            switch outcome {
            case .success(let found):
                report.attempts.append(Attempt(method: method.rawValue, outcome: "found \(found.certificates.map(\.fingerprint).joined(separator: ", ")) (\(found.source))"))
                report.certificates = found.certificates
                report.source = found.source
                return report
            case .failure(let miss):
                report.attempts.append(Attempt(method: method.rawValue, outcome: miss.description))
            }
        }
        return report
    }

    /// Adds what was found to the contact directory (replacing an older copy of the same key).
    public func keep(_ certificates: [OpenPGPCertificate], now: Date = Date()) async throws -> [StoredOpenPGPCertificate] {
        var stored: [StoredOpenPGPCertificate] = []
        for certificate in certificates {
            let entry = StoredOpenPGPCertificate(fingerprint: certificate.fingerprint, owner: .contact, addresses: certificate.addresses,
                                                 data: certificate.data, imported: now)
            try await store.putOpenPGPCertificate(entry)
            stored.append(entry)
        }
        return stored
    }

    struct LookupMiss: Error, CustomStringConvertible {
        var description: String
    }

    struct Found {
        var certificates: [OpenPGPCertificate]
        var source: String
    }

    /// The certificates in `bytes` usable as `address`'s: valid, not revoked or expired, with a
    /// valid User ID for the address. Others a directory serves are left out (the draft's §3.1).
    func usable(_ bytes: [UInt8], for address: EmailAddress) -> Result<[OpenPGPCertificate], LookupMiss> {
        let certificates: [OpenPGPCertificate]
        do { certificates = try OpenPGPCertificate.read(bytes, limits: limits) } catch {
            return .failure(LookupMiss(description: "not a certificate: \(error)"))
        }
        var reasons: [String] = []
        let wanted = address.canonical.lowercased()
        let good = certificates.filter { certificate in
            if let refusal = certificate.contactRefusal { reasons.append(refusal); return false }
            guard certificate.addresses.contains(wanted) else {
                reasons.append("certificate \(certificate.fingerprint) has no valid User ID with \(wanted)")
                return false
            }
            return true
        }
        return good.isEmpty ? .failure(LookupMiss(description: reasons.joined(separator: "; "))) : .success(good)
    }

    /// RFC 7929 §3 records for `address`: DNSSEC-secure ones, or any with `trust_insecure_dns`.
    func dnsRecords(_ address: EmailAddress) async -> Result<[[UInt8]], LookupMiss> {
        let name = OpenPGPKeyRecords.ownerName(localPart: address.localPart, domain: address.domain)
        let answer: DNSAnswer
        do { answer = try await resolver.lookup(name, OpenPGPKeyRecords.type) } catch {
            return .failure(LookupMiss(description: error.isNotFound ? "no OPENPGPKEY record" : "lookup failed: \(error)"))
        }
        guard answer.security == .secure || (settings.trustInsecureDNS && answer.security != .bogus) else {
            return .failure(LookupMiss(description: "OPENPGPKEY answer is \(answer.security.rawValue), not DNSSEC-secure (RFC 7929 §7)"))
        }
        let records = answer.records.compactMap { record -> [UInt8]? in
            if case .unknown(_, let bytes) = record.data { bytes } else { nil }
        }
        return records.isEmpty ? .failure(LookupMiss(description: "no OPENPGPKEY record")) : .success(records)
    }
}

/// Addresses recently looked up without result, with a bound on how many are remembered.
actor LookupMissCache {
    let lifetime: Duration
    let capacity: Int
    private var entries: [String: ContinuousClock.Instant] = [:]
    private var order: [String] = []

    init(lifetime: Duration, capacity: Int) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    func contains(_ address: String) -> Bool {
        guard let until = entries[address] else { return false }
        return ContinuousClock.now < until
    }

    func insert(_ address: String) {
        guard lifetime > .zero, capacity > 0 else { return }
        if entries.updateValue(ContinuousClock.now + lifetime, forKey: address) == nil { order.append(address) }
        while order.count > capacity { entries[order.removeFirst()] = nil }
    }
}

extension OpenPGPKeyLocator {
    /// The locator `openpgp.lookup` asks for, with the configured resolver; nil when lookups are
    /// off or there is no resolver.
    public static func configured(_ settings: HatoConfig, store: any OpenPGPKeyStore, logger: Logger) -> OpenPGPKeyLocator? {
        guard !settings.openpgpLookup.methods.isEmpty, let resolver = DNSSetup.resolver(settings, logger: logger) else { return nil }
        return OpenPGPKeyLocator(settings: settings.openpgpLookup, resolver: resolver, store: store, limits: settings.openpgp.limits,
                                 logger: Logger(label: "hato.openpgp"))
    }
}
