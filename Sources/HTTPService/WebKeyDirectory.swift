// OpenPGP Web Key Directory (draft-koch-openpgp-webkey-service-16 §3.1): a user's certificate is
// fetched over HTTPS from a path made of the z-base-32 form of the SHA-1 of the lower-cased
// local part, either from the domain itself (the direct method,
// `https://example.org/.well-known/openpgpkey/hu/<hash>`) or from `openpgpkey.` + the domain (the
// advanced method, `https://openpgpkey.example.org/.well-known/openpgpkey/example.org/hu/<hash>`).
// GnuPG, Thunderbird, K-9/Thunderbird for Android and Sequoia look keys up there. z-base-32
// (the draft's §3.1 and http://philzimmermann.com/docs/human-oriented-base-32-encoding.txt) is
// hand-written here: no package available does it, and it is 20 lines.

import Crypto
import HTTPTypes
import HummingbirdCore
import MailCore
import NIOCore

/// The Web Key Directory's names and its routes on the web listener.
public enum WebKeyDirectory {
    static let prefix = "/.well-known/openpgpkey/"
    static let alphabet = Array("ybndrfg8ejkmcpqxot1uwisza345h769".utf8)

    /// The 32-character hash of a local part (§3.1: ASCII letters mapped to lower case first).
    public static func hash(localPart: String) -> String {
        let lowered = String(localPart.unicodeScalars.map { $0.isASCII ? Character($0.properties.lowercaseMapping) : Character($0) })
        return zbase32(Array(Insecure.SHA1.hash(data: Array(lowered.utf8))))
    }

    /// z-base-32 of `bytes`, 5 bits per character, most significant first.
    static func zbase32(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var buffer = 0, bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return String(decoding: out, as: UTF8.self)
    }

    static func isHash(_ text: Substring) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { alphabet.contains($0) }
    }
}

extension HTTPRouter {
    /// `/.well-known/openpgpkey/...`: `policy` (empty: the directory exists, §4.5) and `hu/<hash>`
    /// (the certificates, binary, §3.1), by the direct or the advanced method; 404 for a domain
    /// Hato does not serve, a malformed hash, or an address without a published certificate.
    func webKeyDirectory(_ path: Substring, _ request: Request) async -> HTTPAnswer {
        guard let host = Self.host(request) else { return Self.notFound }
        var rest = path.split(separator: "/", omittingEmptySubsequences: false)
        let domainName: String
        if host.hasPrefix("openpgpkey.") {
            // Advanced method: the domain is the first path segment and must match the host.
            guard let first = rest.first, first.lowercased() == host.dropFirst("openpgpkey.".count) else { return Self.notFound }
            domainName = String(first.lowercased())
            rest.removeFirst()
        } else {
            domainName = host
        }
        guard let domain = try? Domain(domainName), await configuration.servesDomain(domain), let keys = configuration.webKeys else {
            return Self.notFound
        }
        if rest == ["policy"] {
            return only([.get, .head], request, "wkd") { Self.webKeyResponse(.ok, []) }
        }
        guard rest.count == 2, rest[0] == "hu", WebKeyDirectory.isHash(rest[1]) else { return Self.notFound }
        let certificates = await keys(domain, String(rest[1]))
        guard !certificates.isEmpty else { return HTTPAnswer(route: "wkd", response: Self.plain(.notFound, "not found\n")) }
        return only([.get, .head], request, "wkd") { Self.webKeyResponse(.ok, certificates.flatMap { $0 }) }
    }

    /// §3.1: "application/octet-stream"; any web page may read it (the draft recommends CORS `*`).
    static func webKeyResponse(_ status: HTTPResponse.Status, _ body: [UInt8]) -> Response {
        Response(status: status, headers: [.contentType: "application/octet-stream", .accessControlAllowOrigin: "*"],
                 body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
