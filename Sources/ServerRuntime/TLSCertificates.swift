import Foundation
import NIOSSL

/// One certificate chain (leaf first) and its private key, read from PEM files.
public struct TLSIdentity: Sendable {
    public let chain: [NIOSSLCertificate]
    public let key: NIOSSLPrivateKey
    /// Where it was read from, for logs and errors.
    public let certificatePath: String

    public init(chain: [NIOSSLCertificate], key: NIOSSLPrivateKey, certificatePath: String = "") {
        self.chain = chain
        self.key = key
        self.certificatePath = certificatePath
    }

    /// Reads and checks both files. Throws a `TLSCertificateError` that names the file and says
    /// what is wrong, so a failed reload can be logged precisely.
    public static func load(certificate: URL, key: URL) throws -> TLSIdentity {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificate.path)
        } catch {
            throw TLSCertificateError.unreadable(certificate.path, "\(error)")
        }
        guard !chain.isEmpty else { throw TLSCertificateError.emptyChain(certificate.path) }
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(file: key.path, format: .pem)
        } catch {
            throw TLSCertificateError.unreadable(key.path, "\(error)")
        }
        return TLSIdentity(chain: chain, key: privateKey, certificatePath: certificate.path)
    }
}

/// Every certificate the server presents: the default one, and others chosen by the name the
/// client asks for in the TLS server_name extension (SNI, RFC 6066 §3).
public struct TLSCertificates: Sendable {
    public var defaultIdentity: TLSIdentity
    /// Lower-case host names (or `*.example.org` wildcards covering one label) to identities.
    public var byHostname: [String: TLSIdentity]

    public init(defaultIdentity: TLSIdentity, byHostname: [String: TLSIdentity] = [:]) {
        self.defaultIdentity = defaultIdentity
        self.byHostname = Dictionary(byHostname.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// The identity for an SNI name: exact match first, then a `*.` wildcard for the first label
    /// (RFC 6125 §6.4.3 allows the wildcard only as the whole left-most label). nil: the default.
    public func identity(forServerName name: String?) -> TLSIdentity? {
        guard var name = name?.lowercased(), !name.isEmpty else { return nil }
        if name.hasSuffix(".") { name.removeLast() }
        if let exact = byHostname[name] { return exact }
        guard let dot = name.firstIndex(of: ".") else { return nil }
        return byHostname["*" + name[dot...]]
    }
}

public enum TLSCertificateError: Error, CustomStringConvertible, Equatable {
    case unreadable(String, String)
    case emptyChain(String)
    case keyMismatch(String, String)

    public var description: String {
        switch self {
        case .unreadable(let path, let why): "cannot read \(path): \(why)"
        case .emptyChain(let path): "no certificate found in \(path)"
        case .keyMismatch(let certificate, let why): "the key does not fit the certificate \(certificate): \(why)"
        }
    }
}
