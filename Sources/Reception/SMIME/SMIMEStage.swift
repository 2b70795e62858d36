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
    /// Revocation checking of a passing signer's chain (`smime.revocation`), nil when off.
    public var revocation: SMIMERevocationChecker?
    public var name: String { "smime" }
    public var phases: ReceptionPhases { .message }

    public init(verifier: SMIMEVerifier, harvest: SMIMEHarvest? = nil, revocation: SMIMERevocationChecker? = nil) {
        self.verifier = verifier
        self.harvest = harvest
        self.revocation = revocation
    }

    public func message(_ message: inout ReceptionMessage, transaction: ReceptionTransaction,
                        client: ReceptionClient) async -> ReceptionVerdict {
        guard client.isInbound else { return .accept }
        guard var (result, signer) = Self.evaluateSigner(message.content.parsed, verifier: verifier) else { return .accept }
        var confirmed = true
        if let signer, let revocation {
            (result, confirmed) = Self.applying(await revocation.check(signer.chain), mode: revocation.mode, to: result, signer: signer)
        }
        client.logger.info("smime", metadata: ["result": "\(result.encoded)", "id": "\(transaction.id)"])
        // Only a signer known not to be revoked is kept (under soft-fail an unanswered check is not).
        if confirmed, result.result == "pass", let certificate = signer?.certificate, let harvest { await harvest(certificate, client) }
        var builder = AuthenticationResultsBuilder(authservID: client.hostname)
        builder.add(result)
        return .tag([.header(builder.field)])
    }

    /// The `smime` result for the message's first signed part, nil when nothing is signed
    /// (no field then: RFC 7281's "none" would only repeat what the message shows).
    public static func evaluate(_ message: MIMEMessage, verifier: SMIMEVerifier) -> AuthenticationResult? {
        evaluateSigner(message, verifier: verifier)?.result
    }

    /// The same with the revocation check of `revocation` (nil: none), as the stage does it.
    public static func evaluate(_ message: MIMEMessage, verifier: SMIMEVerifier, revocation: SMIMERevocationChecker?) async -> AuthenticationResult? {
        guard let (result, signer) = evaluateSigner(message, verifier: verifier) else { return nil }
        guard let signer, let revocation else { return result }
        return applying(await revocation.check(signer.chain), mode: revocation.mode, to: result, signer: signer).0
    }

    /// A pass turned by the revocation check (docs/smime.md "Revocation"): a revoked certificate
    /// in the chain fails it (RFC 7281 §3.1: the signature was processed and is not acceptable),
    /// an unanswered check gives temperror under hard-fail and a pass with the reason under
    /// soft-fail. Also whether the status was established.
    static func applying(_ status: SMIMERevocationResult, mode: SMIMERevocationMode, to result: AuthenticationResult,
                         signer: SMIMESigner) -> (AuthenticationResult, confirmed: Bool) {
        var properties = result.properties.filter { $0.name != "smime-serial" && $0.name != "smime-issuer" }
        switch status {
        case .good:
            return (result, true)
        case .revoked(let position, let serial, let reason, let source):
            let which = position == 0 ? "signer certificate" : "issuer certificate \(serial)"
            let insert = properties.firstIndex { $0.name == "smime-part" } ?? properties.count
            properties.insert(contentsOf: [.init("body", "smime-serial", signer.serial), .init("body", "smime-issuer", signer.issuer)], at: insert)
            return (AuthenticationResult(method: "smime", result: "fail",
                                         comment: "\(which) revoked\(reason.map { ": \($0)" } ?? "") according to its \(source)", properties: properties), true)
        case .undetermined(let why):
            let outcome = mode == .hardFail ? "temperror" : "pass"
            // Bounded, so the field's line stays far below RFC 5322 §2.1.1's 998 octets.
            let said = why.count > Self.maxReason ? String(why.prefix(Self.maxReason - 3)) + "..." : why
            return (AuthenticationResult(method: "smime", result: outcome, comment: "revocation status unknown: \(said)", properties: properties), false)
        }
    }

    /// The longest revocation reason written into the comment.
    static let maxReason = 300

    /// The result and, when it is a pass for the From address, the signer.
    static func evaluateSigner(_ message: MIMEMessage, verifier: SMIMEVerifier) -> (result: AuthenticationResult, signer: SMIMESigner?)? {
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
                return (AuthenticationResult(method: "smime", result: "pass", properties: properties), signer)
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
