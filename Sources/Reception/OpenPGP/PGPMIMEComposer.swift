// Turning a message into its PGP/MIME form (RFC 3156): the MIME entity — the Content-* fields
// and the body, byte for byte (SMIMEComposer.split) — is signed (§5 multipart/signed with
// application/pgp-signature) and/or encrypted (§4 multipart/encrypted with
// application/pgp-encrypted); the other header fields stay outside with MIME-Version. Signed
// first, then the signed entity encrypted (§6.1), as S/MIME does (RFC 8551 §3.7).

import Foundation
import MailMessage
import OpenPGP

public enum PGPMIMEComposer {
    /// RFC 3156 §5: the entity as the first part exactly as given (the signed bytes), the
    /// armored detached signature as the second; micalg names its hash (§5: "pgp-sha256").
    public static func signed(_ split: SMIMEComposer.Split, secretKey: [UInt8], limits: OpenPGPLimits) throws -> [UInt8] {
        let signature = try OpenPGPOperations.signDetached(split.entity, secretKey: secretKey, limits: limits)
        let boundary = Self.boundary(avoiding: split.entity)
        var out = split.outer
        out += Array("""
            MIME-Version: 1.0\r
            Content-Type: multipart/signed; protocol="application/pgp-signature"; micalg=pgp-sha256;\r
            \tboundary="\(boundary)"\r
            \r
            This is an OpenPGP/MIME signed message (RFC 3156).\r
            \r
            --\(boundary)\r\n
            """.utf8)
        out += split.entity
        // The CRLF before the delimiter belongs to the delimiter (RFC 2046 §5.1.1, RFC 3156 §5).
        out += Array("\r\n--\(boundary)\r\n".utf8)
        out += Array("""
            Content-Type: application/pgp-signature; name="signature.asc"\r
            Content-Description: OpenPGP digital signature\r
            Content-Disposition: attachment; filename="signature.asc"\r
            \r\n
            """.utf8)
        out += signature
        out += Array("\r\n--\(boundary)--\r\n".utf8)
        return out
    }

    /// RFC 3156 §4: the entity encrypted to `recipients`, as the second part of a
    /// multipart/encrypted whose first part is the "Version: 1" control part.
    public static func encrypted(_ split: SMIMEComposer.Split, to recipients: [OpenPGPCertificate], limits: OpenPGPLimits) throws -> [UInt8] {
        // Armor is 4/3 of the ciphertext plus line ends and headers; compression only shrinks it.
        let message = try OpenPGPOperations.encrypt(split.entity, to: recipients, maxOutput: split.entity.count * 2 + 65_536, limits: limits)
        let boundary = Self.boundary(avoiding: [])
        var out = split.outer
        out += Array("""
            MIME-Version: 1.0\r
            Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";\r
            \tboundary="\(boundary)"\r
            \r
            This is an OpenPGP/MIME encrypted message (RFC 3156).\r
            \r
            --\(boundary)\r
            Content-Type: application/pgp-encrypted\r
            Content-Description: PGP/MIME version identification\r
            \r
            Version: 1\r
            \r
            --\(boundary)\r
            Content-Type: application/octet-stream; name="encrypted.asc"\r
            Content-Description: OpenPGP encrypted message\r
            Content-Disposition: inline; filename="encrypted.asc"\r
            \r\n
            """.utf8)
        out += message
        out += Array("\r\n--\(boundary)--\r\n".utf8)
        return out
    }

    /// A boundary that does not occur in the entity (RFC 2046 §5.1.1); armor never holds "=_".
    static func boundary(avoiding entity: [UInt8]) -> String {
        while true {
            let candidate = "----=_hato_pgp_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
            if entity.firstRange(of: Array(candidate.utf8)) == nil { return candidate }
        }
    }
}
