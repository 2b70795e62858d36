// S/MIME encryption at rest (issue 20 §3, docs/smime.md "Encryption at rest"): an account that
// opted in (`hato smime at-rest ACCOUNT on`) has each delivered message stored as an RFC 8551
// §3.3 enveloped-data message to its own certificates, so the store holds no plaintext copy. The
// whole original header goes inside with the content (the inner entity's fields, as header
// protection does), and only the fields the operator allows (`smime.at_rest_headers`) stay
// outside, for ENVELOPE, SEARCH and message lists; the body cannot be searched on the server.

import Foundation
import LocalDelivery
import MailMessage
import MailStore
import Reception
import SMIME

public struct SMIMEAtRest: AtRestEncryption {
    public let store: any MailStore
    /// Field names (lower-cased) kept in clear above the encrypted entity.
    public let outerFields: Set<String>
    public let cipher: SMIMEContentCipher

    public init(store: any MailStore, outerFields: [String], cipher: SMIMEContentCipher = .aes256CBC) {
        self.store = store
        self.outerFields = Set(outerFields.map { $0.lowercased() })
        self.cipher = cipher
    }

    public func storedForm(_ message: ReceivedMessage, for account: Account) async -> AtRestForm {
        guard account.smimeAtRest else { return .plain }
        let bytes = message.bytes
        let parsed = MIMEMessage(parsing: bytes)
        // Already encrypted (by the sender, or S/MIME or PGP/MIME): not wrapped twice.
        if Self.isEncrypted(parsed) { return .plain }
        let now = Date()
        let certificates: [SMIMECertificate]
        do {
            certificates = try await store.smimeCertificates(account: account.address).compactMap { entry in
                guard let certificate = try? SMIMECertificate(der: entry.certificate), certificate.isValid(at: now), certificate.canEncrypt else {
                    return nil
                }
                return certificate
            }
        } catch {
            return .refused("reading the account's certificates: \(error)")
        }
        guard !certificates.isEmpty else { return .refused("no valid S/MIME certificate that allows encryption (hato smime import)") }
        do {
            return .sealed(try SMIMEComposer.encrypted(split(parsed, bytes), to: certificates, cipher: cipher))
        } catch {
            return .refused("\(error)")
        }
    }

    /// The allowed fields outside; every field (MIME-Version aside) inside, above the body.
    func split(_ parsed: MIMEMessage, _ bytes: [UInt8]) -> SMIMEComposer.Split {
        var outer: [UInt8] = [], inner: [UInt8] = []
        for field in parsed.header.fields {
            let name = field.name.lowercased()
            guard name != "mime-version" else { continue }
            inner += field.raw
            if outerFields.contains(name), !name.hasPrefix("content-") { outer += field.raw }
        }
        let body = Array(bytes[min(parsed.header.range.end, bytes.count)...])
        return SMIMEComposer.Split(outer: outer, entity: inner + Array("\r\n".utf8) + body)
    }

    /// RFC 8551 §3.3 enveloped-data / RFC 5083 authEnveloped-data (smime-type absent means
    /// enveloped, as older clients send it), and RFC 1847 multipart/encrypted (PGP/MIME).
    static func isEncrypted(_ message: MIMEMessage) -> Bool {
        let type = message.root.contentType
        switch type.mimeType.lowercased() {
        case "multipart/encrypted": return true
        case "application/pkcs7-mime", "application/x-pkcs7-mime":
            let smimeType = type.parameter("smime-type")?.lowercased() ?? "enveloped-data"
            return smimeType == "enveloped-data" || smimeType == "authenveloped-data"
        default: return false
        }
    }
}
