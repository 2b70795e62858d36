import Foundation

/// `[acme]`: certificates from an ACME CA for `hostnames`, obtained and renewed by `hato serve`
/// (docs/acme.md). Present when `acme.email` is set.
public struct ACMESettings: Sendable, Equatable {
    public enum Challenge: String, Sendable {
        case tlsALPN01 = "tls-alpn-01"
        case http01 = "http-01"
    }

    public var email: String
    public var directory: String
    public var challenge: Challenge
    /// Lower-case, the first is the certificate's CN and its directory name in the data dir.
    public var hostnames: [String]
    public var rotateKey: Bool
    public var caFile: URL?
    public var retryInitial: Duration
    public var retryMaxInterval: Duration

    init?(values: [String: ConfigValue], hostname: String, url: (String) -> URL?) throws {
        guard case .string(let email) = values["acme.email"] else { return nil }
        func string(_ path: String) -> String? { if case .string(let s) = values[path] { s } else { nil } }
        func seconds(_ path: String, _ fallback: Int) -> Duration {
            if case .int(let i) = values[path] { .seconds(max(1, i)) } else { .seconds(fallback) }
        }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !email.contains(where: { $0.isWhitespace || $0 == "," }) else {
            throw ConfigKeyError(path: "acme.email", message: "\"\(email)\" is not an email address")
        }
        self.email = email
        directory = string("acme.directory") ?? "https://acme-v02.api.letsencrypt.org/directory"
        // RFC 8555 §6.1: ACME runs over HTTPS only.
        guard directory.lowercased().hasPrefix("https://") else {
            throw ConfigKeyError(path: "acme.directory", message: "must be an https:// URL (RFC 8555 §6.1)")
        }
        challenge = Challenge(rawValue: string("acme.challenge") ?? "tls-alpn-01") ?? .tlsALPN01
        var names: [String] = []
        if case .list(let listed) = values["acme.hostnames"] { names = listed } else { names = [hostname] }
        hostnames = []
        for name in names.map({ $0.lowercased().hasSuffix(".") ? String($0.lowercased().dropLast()) : $0.lowercased() }) {
            guard Self.isHostName(name) else {
                let why = name.contains("*") ? " (wildcards need the dns-01 challenge, which Hato does not answer)" : ""
                throw ConfigKeyError(path: values["acme.hostnames"] == nil ? "hostname" : "acme.hostnames",
                                     message: "\"\(name)\" is not a host name an ACME CA can validate\(why)")
            }
            if !hostnames.contains(name) { hostnames.append(name) }
        }
        guard !hostnames.isEmpty else { throw ConfigKeyError(path: "acme.hostnames", message: "must name at least one host") }
        if case .bool(let flag) = values["acme.rotate_key"] { rotateKey = flag } else { rotateKey = false }
        caFile = url("acme.ca_file")
        retryInitial = seconds("acme.retry_initial", 600)
        retryMaxInterval = max(retryInitial, seconds("acme.retry_max_interval", 21_600))
    }

    /// A fully qualified DNS name (LDH labels, RFC 1123 §2.1), not an IP address and not
    /// `localhost`: what an ACME CA can validate with http-01 or tls-alpn-01.
    static func isHostName(_ name: String) -> Bool {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, name.utf8.count <= 253, !labels.allSatisfy({ $0.allSatisfy(\.isNumber) }) else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}
