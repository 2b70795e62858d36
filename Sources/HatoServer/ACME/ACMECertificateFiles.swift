import ACME
import Crypto
import Foundation
import NIOSSL
import ServerRuntime
import SwiftASN1
import X509

/// Where ACME keeps its files in the data directory, and reading and writing them:
///
///     acme/account-key.pem             the account key (P-256, 0600)
///     acme/<first hostname>/fullchain.pem  the certificate chain, leaf first
///     acme/<first hostname>/key.pem    the certificate key (P-256, 0600), kept across renewals
///     acme/<first hostname>/state.json attempts, the last error and the next retry
public struct ACMECertificateFiles: Sendable {
    public let root: URL
    public let names: [String]

    public init(dataDirectory: URL, settings: ACMESettings) {
        root = dataDirectory.appendingPathComponent("acme")
        names = settings.hostnames
    }

    public var accountKey: URL { root.appendingPathComponent("account-key.pem") }
    public var directory: URL { root.appendingPathComponent(names[0]) }
    public var chain: URL { directory.appendingPathComponent("fullchain.pem") }
    public var key: URL { directory.appendingPathComponent("key.pem") }
    public var stateFile: URL { directory.appendingPathComponent("state.json") }

    /// The certificate as TLS serves it; nil while there is none yet.
    public func identity() throws -> TLSIdentity? {
        guard FileManager.default.fileExists(atPath: chain.path), FileManager.default.fileExists(atPath: key.path) else { return nil }
        return try TLSIdentity.load(certificate: chain, key: key)
    }

    /// The installed certificate's leaf, parsed; nil when missing or unreadable.
    public func installed() -> InstalledCertificate? {
        guard let pem = try? String(contentsOf: chain, encoding: .utf8),
              let leaf = try? Certificate(pemEncoded: String(pem[..<(pem.range(of: "-----END CERTIFICATE-----")?.upperBound ?? pem.endIndex)]))
        else { return nil }
        return InstalledCertificate(leaf)
    }

    /// The account key, created (0600) on first use.
    public func loadOrCreateAccountKey() throws -> (key: ACMEAccountKey, created: Bool) {
        if let pem = try? String(contentsOf: accountKey, encoding: .utf8) { return (try ACMEAccountKey(pem: pem), false) }
        let key = ACMEAccountKey()
        try Self.writePrivate(key.pemRepresentation, to: accountKey)
        return (key, true)
    }

    /// The certificate key: the stored one unless `rotate` (or none exists yet).
    public func certificateKey(rotate: Bool) throws -> P256.Signing.PrivateKey {
        if !rotate, let pem = try? String(contentsOf: key, encoding: .utf8) { return try P256.Signing.PrivateKey(pemRepresentation: pem) }
        return P256.Signing.PrivateKey()
    }

    /// Installs a new chain and its key: each written to a temporary file and renamed into place.
    public func install(chain pem: String, key privateKey: P256.Signing.PrivateKey) throws {
        try Self.writePrivate(privateKey.pemRepresentation, to: key)
        let temporary = chain.appendingPathExtension("new")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(pem.utf8).write(to: temporary)
        try Self.rename(temporary, to: chain)
    }

    public func loadState() -> ACMEState {
        guard let data = try? Data(contentsOf: stateFile), let state = try? JSONDecoder.acme.decode(ACMEState.self, from: data) else { return ACMEState() }
        return state
    }

    public func save(_ state: ACMEState) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try JSONEncoder.acme.encode(state).write(to: stateFile, options: .atomic)
    }

    /// Writes a secret 0600 from the start (never readable by others, not even briefly).
    static func writePrivate(_ text: String, to url: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = url.appendingPathExtension("new")
        try? fm.removeItem(at: temporary)
        guard fm.createFile(atPath: temporary.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        try rename(temporary, to: url)
    }

    /// rename(2): replaces `destination` atomically, so a reader (a SIGHUP reload, `hato acme
    /// status`) sees the old file or the new one, never a part.
    static func rename(_ source: URL, to destination: URL) throws {
        guard Foundation.rename(source.path, destination.path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: destination.path,
                                                           NSLocalizedDescriptionKey: String(cString: strerror(errno))])
        }
    }
}

/// What `hato acme status` and the renewal schedule need from the installed leaf.
public struct InstalledCertificate: Sendable, Equatable {
    public var names: [String]
    public var notBefore: Date
    public var notAfter: Date
    public var issuer: String
    public var serial: String

    public init(names: [String], notBefore: Date, notAfter: Date, issuer: String, serial: String) {
        self.names = names
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.issuer = issuer
        self.serial = serial
    }

    init(_ leaf: Certificate) {
        let alternativeNames = (try? leaf.extensions.subjectAlternativeNames) ?? nil
        names = alternativeNames.map { $0.compactMap { if case .dnsName(let name) = $0 { name.lowercased() } else { nil } } } ?? []
        notBefore = leaf.notValidBefore
        notAfter = leaf.notValidAfter
        issuer = leaf.issuer.description
        serial = leaf.serialNumber.bytes.map { String(format: "%02X", $0) }.joined()
    }

    /// Renewal is due at two thirds of the lifetime (Let's Encrypt: day 60 of 90).
    public var renewalDate: Date { notBefore.addingTimeInterval(notAfter.timeIntervalSince(notBefore) * 2 / 3) }
}

/// What is remembered between attempts (and restarts): failures in a row, the last error,
/// when the next attempt is due, and for which names.
public struct ACMEState: Codable, Sendable, Equatable {
    public var names: [String] = []
    public var failures = 0
    public var lastError: String?
    public var lastAttempt: Date?
    public var nextAttempt: Date?
    public var lastIssued: Date?
    public init() {}
}

extension JSONEncoder {
    static var acme: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }
}

extension JSONDecoder {
    static var acme: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
