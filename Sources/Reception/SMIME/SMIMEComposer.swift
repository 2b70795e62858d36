// Turning a message into its S/MIME form (RFC 8551 §3): the MIME entity — the Content-*
// fields and the body, byte for byte — is signed (§3.5 multipart/signed with
// application/pkcs7-signature) and/or encrypted (§3.3 application/pkcs7-mime;
// smime-type=enveloped-data); the other header fields (From, To, Subject, Date, trace ...)
// stay outside, with MIME-Version (RFC 2045 §4). Sign first, then encrypt (§3.7), so the
// signature survives decryption and the reader sees who signed.

import Foundation
import MailMessage
import SMIME

public enum SMIMEComposer {
    /// A message split into the fields that stay outside and the MIME entity that is protected.
    public struct Split: Sendable {
        /// Complete header fields (each with its CRLF), in order, without MIME-Version.
        public var outer: [UInt8]
        /// The entity: the Content-* fields, the blank line, the body (RFC 2045 §3).
        public var entity: [UInt8]
        public init(outer: [UInt8], entity: [UInt8]) {
            self.outer = outer
            self.entity = entity
        }
    }

    /// Splits a message (CRLF line endings) at its top-level header.
    public static func split(_ message: [UInt8]) -> Split {
        let parsed = MIMEMessage(parsing: message)
        var outer: [UInt8] = [], content: [UInt8] = []
        for field in parsed.header.fields {
            let name = field.name.lowercased()
            if name.hasPrefix("content-") { content += field.raw } else if name != "mime-version" { outer += field.raw }
        }
        let body = Array(message[min(parsed.header.range.end, message.count)...])
        return Split(outer: outer, entity: content + Array("\r\n".utf8) + body)
    }

    /// Whether the message is already S/MIME or PGP/MIME at the top (the client protected it:
    /// Hato leaves it alone).
    public static func isProtected(_ message: MIMEMessage) -> Bool {
        let type = message.root.contentType.mimeType.lowercased()
        return type == "multipart/signed" || type == "multipart/encrypted"
            || type == "application/pkcs7-mime" || type == "application/x-pkcs7-mime"
    }

    /// RFC 8551 §3.5: the entity as the first part, exactly as given, and the detached
    /// signature as the second. micalg names the digest (§3.5.3.2: sha-256).
    public static func signed(_ split: Split, identity: SMIMEIdentity, rsaPSS: Bool = false) throws -> [UInt8] {
        let signature = try identity.signDetached(split.entity, rsaPSS: rsaPSS)
        let boundary = Self.boundary(avoiding: split.entity)
        var out = split.outer
        out += Array("""
            MIME-Version: 1.0\r
            Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256;\r
            \tboundary="\(boundary)"\r
            \r
            This is a cryptographically signed message in S/MIME format (RFC 8551).\r
            \r
            --\(boundary)\r\n
            """.utf8)
        out += split.entity
        // The CRLF before the delimiter belongs to the delimiter, not to the signed part
        // (RFC 2046 §5.1.1); an entity ending in CRLF keeps its own.
        out += Array("\r\n--\(boundary)\r\n".utf8)
        out += Array("""
            Content-Type: application/pkcs7-signature; name="smime.p7s"\r
            Content-Transfer-Encoding: base64\r
            Content-Disposition: attachment; filename="smime.p7s"\r
            Content-Description: S/MIME Cryptographic Signature\r
            \r\n
            """.utf8)
        out += base64Lines(signature)
        out += Array("--\(boundary)--\r\n".utf8)
        return out
    }

    /// RFC 8551 §3.3: the entity encrypted as one application/pkcs7-mime body.
    public static func encrypted(_ split: Split, to recipients: [SMIMECertificate], cipher: SMIMEContentCipher = .aes256CBC) throws -> [UInt8] {
        let enveloped = try SMIMEOperations.encrypt(split.entity, to: recipients, cipher: cipher)
        var out = split.outer
        out += Array("""
            MIME-Version: 1.0\r
            Content-Type: application/pkcs7-mime; smime-type=\(cipher.smimeType); name="smime.p7m"\r
            Content-Transfer-Encoding: base64\r
            Content-Disposition: attachment; filename="smime.p7m"\r
            Content-Description: S/MIME Encrypted Message\r
            \r\n
            """.utf8)
        out += base64Lines(enveloped)
        return out
    }

    /// The other way: an enveloped-data message decrypted with `identity`, the outer fields
    /// put back above the entity it held.
    public static func decrypted(_ message: [UInt8], identity: SMIMEIdentity, limit: Int) throws -> [UInt8] {
        let parsed = MIMEMessage(parsing: message)
        let type = parsed.root.contentType
        let mime = type.mimeType.lowercased()
        guard mime == "application/pkcs7-mime" || mime == "application/x-pkcs7-mime",
              ["enveloped-data", "authenveloped-data"].contains(type.parameter("smime-type")?.lowercased() ?? "enveloped-data") else {
            throw SMIMEError("the message is not S/MIME encrypted (Content-Type \(type.mimeType))")
        }
        let entity = try identity.decrypt(parsed.decodedBody(of: parsed.root), limit: limit)
        // An entity that carries the whole header (encryption at rest, header protection) stands
        // on its own; the copies outside are only the ones left in clear.
        let inner = MIMEMessage(parsing: entity).header
        if inner.fields.contains(where: { $0.name.lowercased() == "from" }) {
            let hasVersion = inner.fields.contains { $0.name.lowercased() == "mime-version" }
            return (hasVersion ? [] : Array("MIME-Version: 1.0\r\n".utf8)) + entity
        }
        return split(message).outer + Array("MIME-Version: 1.0\r\n".utf8) + entity
    }

    /// A boundary that does not occur in the entity (RFC 2046 §5.1.1).
    static func boundary(avoiding entity: [UInt8]) -> String {
        while true {
            let candidate = "----=_hato_smime_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
            if entity.firstRange(of: Array(candidate.utf8)) == nil { return candidate }
        }
    }

    /// Base64 in lines of 76 characters, each ending in CRLF (RFC 2045 §6.8).
    static func base64Lines(_ bytes: [UInt8]) -> [UInt8] {
        let text = Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        return Array(text.utf8) + Array("\r\n".utf8)
    }
}
