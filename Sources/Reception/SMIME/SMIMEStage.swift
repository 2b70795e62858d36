// S/MIME signature verification on reception (docs/smime.md): the first signed part of a
// message from outside, verified over the bytes as received, its signer matched to From
// (RFC 8550 §3), and the result in its own Authentication-Results field with the `smime`
// method of RFC 7281 (RFC 8601 §2.2 lets one host add more than one field).

import MailAuth
import MailMessage
import SMIME

/// Keeps the certificate of a signer whose signature passed and matched From, so later mail to
/// them can be encrypted (issue 20: "harvest"); composed in HatoServer, which owns the store.
public typealias SMIMEHarvest = @Sendable (SMIMECertificate, ReceptionClient) async -> Void

public struct SMIMEStage: ReceptionStage {
    public let verifier: SMIMEVerifier
    public var harvest: SMIMEHarvest?
    public var name: String { "smime" }
    public var phases: ReceptionPhases { .message }

    public init(verifier: SMIMEVerifier, harvest: SMIMEHarvest? = nil) {
        self.verifier = verifier
        self.harvest = harvest
    }

    public func message(_ message: inout ReceptionMessage, transaction: ReceptionTransaction,
                        client: ReceptionClient) async -> ReceptionVerdict {
        guard client.isInbound else { return .accept }
        guard let (result, signer) = Self.evaluateSigner(message.content.parsed, verifier: verifier) else { return .accept }
        client.logger.info("smime", metadata: ["result": "\(result.encoded)", "id": "\(transaction.id)"])
        if let signer, let harvest { await harvest(signer, client) }
        var builder = AuthenticationResultsBuilder(authservID: client.hostname)
        builder.add(result)
        return .tag([.header(builder.field)])
    }

    /// The `smime` result for the message's first signed part, nil when nothing is signed
    /// (no field then: RFC 7281's "none" would only repeat what the message shows).
    public static func evaluate(_ message: MIMEMessage, verifier: SMIMEVerifier) -> AuthenticationResult? {
        evaluateSigner(message, verifier: verifier)?.result
    }

    /// The result and, when it is a pass for the From address, the signer's certificate.
    static func evaluateSigner(_ message: MIMEMessage, verifier: SMIMEVerifier) -> (result: AuthenticationResult, signer: SMIMECertificate?)? {
        guard let signed = SMIMESignedPart.find(in: message) else { return nil }
        let outcome: SMIMEOutcome
        switch signed.kind {
        case .detached(let content, let signature):
            outcome = verifier.verifyDetached(signature: message.decodedBody(of: signature), content: Array(message.bytes[content.range.range]))
        case .opaque(let part):
            outcome = verifier.verifyOpaque(message.decodedBody(of: part)).outcome
        }
        var properties = [AuthenticationResult.Property("body", "smime-part", signed.signaturePart.isEmpty ? "1" : signed.signaturePart)]
        switch outcome {
        case .neutral(let reason):
            return (AuthenticationResult(method: "smime", result: "neutral", comment: reason, properties: properties), nil)
        case .fail(let reason):
            return (AuthenticationResult(method: "smime", result: "fail", comment: reason, properties: properties), nil)
        case .pass(let signer):
            let from = message.header.from.mailboxes.first.map { "\($0.address)" }
            let matching = from.flatMap { address in signer.emails.first { $0.lowercased() == address.lowercased() } }
            if let matching {
                properties.insert(.init("body", "smime-identifier", matching), at: 0)
                return (AuthenticationResult(method: "smime", result: "pass", properties: properties), signer.certificate)
            }
            properties.insert(contentsOf: [.init("body", "smime-serial", signer.serial), .init("body", "smime-issuer", signer.issuer)], at: 0)
            if let first = signer.emails.first { properties.insert(.init("body", "smime-identifier", first), at: 0) }
            return (AuthenticationResult(method: "smime", result: "fail",
                                         comment: "signer certificate is not for the From address \(from ?? "(none)")", properties: properties), nil)
        }
    }
}

/// Where the signature is (RFC 8551 §3.5 multipart/signed with application/pkcs7-signature,
/// §3.4.2 application/pkcs7-mime; smime-type=signed-data), searched breadth-first.
struct SMIMESignedPart {
    enum Kind {
        /// The signed entity (header and body as received) and the signature part.
        case detached(content: MIMEPart, signature: MIMEPart)
        case opaque(MIMEPart)
    }

    var kind: Kind
    /// IMAP section of the part holding the signature (RFC 7281 §3.2.1 body.smime-part).
    var signaturePart: String

    static func find(in message: MIMEMessage) -> SMIMESignedPart? {
        var queue = [message.root]
        var index = 0
        while index < queue.count {
            let part = queue[index]
            index += 1
            let type = part.contentType
            if type.mimeType.lowercased() == "multipart/signed",
               let signatureType = type.parameter("protocol")?.lowercased(),
               signatureType == "application/pkcs7-signature" || signatureType == "application/x-pkcs7-signature",
               part.parts.count == 2 {
                return SMIMESignedPart(kind: .detached(content: part.parts[0], signature: part.parts[1]),
                                       signaturePart: part.parts[1].sectionString)
            }
            let mime = type.mimeType.lowercased()
            if mime == "application/pkcs7-mime" || mime == "application/x-pkcs7-mime",
               type.parameter("smime-type")?.lowercased() == "signed-data" {
                return SMIMESignedPart(kind: .opaque(part), signaturePart: part.sectionString)
            }
            queue += part.parts
        }
        return nil
    }
}
