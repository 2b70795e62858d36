// OpenPGP signature verification on reception (docs/openpgp.md): the first PGP/MIME signed
// part of a message from outside (RFC 3156 §5 multipart/signed with protocol
// "application/pgp-signature"), verified over the first body part's bytes exactly as received
// (MIME header included, CRLF line endings: SMTP delivers nothing else) against the contact
// directory's certificates for the From address. Authentication-Results has no OpenPGP method
// (RFC 8601 §2.7 registry), so the result goes into our own field:
//   Hato-OpenPGP: signed; verified=yes; signer=<fingerprint>; uid=<address>
//   Hato-OpenPGP: signed; verified=no; reason="<why>"
// Without a PGP/MIME part, the first text/plain part holding a cleartext-signed block (RFC 9580
// §7, "inline PGP", as older clients and many mailing lists send it) is verified instead, and
// the field says `inline=yes`, plus `partial=yes` when the part has text outside the signed block
// (a list footer, a forwarded quote): only the block is vouched for (InlineSignedText.swift).
// Any Hato-OpenPGP field a sender wrote is removed first, on every listener (ForgedResultsStage).

import Logging
import MailMessage
import MailStore
import OpenPGP

public struct OpenPGPStage: ReceptionStage {
    /// The field this stage writes; received copies of it are removed (ForgedResultsStage).
    public static let fieldName = "Hato-OpenPGP"

    public let verifier: OpenPGPVerifier
    public let directory: any OpenPGPKeyStore
    /// Looks a signer up when the directory has no certificate for From (`openpgp.lookup`).
    public let locator: (any OpenPGPKeyLocating)?
    public var name: String { "openpgp" }
    public var phases: ReceptionPhases { .message }

    public init(verifier: OpenPGPVerifier, directory: any OpenPGPKeyStore, locator: (any OpenPGPKeyLocating)? = nil) {
        self.verifier = verifier
        self.directory = directory
        self.locator = locator
    }

    public func message(_ message: inout ReceptionMessage, transaction: ReceptionTransaction,
                        client: ReceptionClient) async -> ReceptionVerdict {
        guard client.isInbound else { return .accept }
        let parsed = message.content.parsed
        let result: OpenPGPResult
        if let signed = PGPSignedPart.find(in: parsed) {
            result = await evaluate(parsed, signed: signed, logger: client.logger)
        } else if let inline = InlineSignedText.find(in: parsed) {
            result = await evaluate(parsed, inline: inline, logger: client.logger)
        } else {
            return .accept
        }
        client.logger.info("openpgp", metadata: ["result": "\(result.value)", "id": "\(transaction.id)"])
        return .tag([.header(result.field)])
    }

    func evaluate(_ message: MIMEMessage, signed: PGPSignedPart, logger: Logger) async -> OpenPGPResult {
        await evaluate(message, logger: logger) { certificates in
            verifier.verifyDetached(signature: message.decodedBody(of: signed.signature),
                                    content: Array(message.bytes[signed.content.range.range]), certificates: certificates)
        }
    }

    func evaluate(_ message: MIMEMessage, inline: InlineSignedText, logger: Logger) async -> OpenPGPResult {
        var result = await evaluate(message, logger: logger) { certificates in
            verifier.verifyCleartext(inline.block, certificates: certificates)
        }
        result.value += inline.partial ? "; inline=yes; partial=yes" : "; inline=yes"
        return result
    }

    /// The contact directory's certificates for the From address, and `verify` over them.
    private func evaluate(_ message: MIMEMessage, logger: Logger,
                          verify: ([[UInt8]]) -> OpenPGPVerification) async -> OpenPGPResult {
        guard let from = message.header.from.mailboxes.first.map({ "\($0.address)".lowercased() }) else {
            return .unverified("no From address")
        }
        var certificates: [StoredOpenPGPCertificate]
        do {
            certificates = try await directory.openPGPContactCertificates(address: from)
        } catch {
            logger.error("openpgp: contact directory unavailable", metadata: ["error": "\(error)"])
            return .unverified("contact directory unavailable")
        }
        // Not in the directory: the sender's domain may publish it (WKD, OPENPGPKEY); what is
        // found there joins the directory, so the next message needs no lookup.
        var source: String?
        if certificates.isEmpty, let locator, let located = await locator.locate(address: from) {
            certificates = located.certificates
            source = located.source
        }
        guard !certificates.isEmpty else {
            return .unverified(locator == nil ? "no certificate for \(from) in the contact directory"
                                              : "no certificate for \(from) in the contact directory or published for it")
        }
        let outcome = verify(certificates.map(\.data))
        switch outcome {
        case .good(let signer):
            // Every candidate has a valid User ID with From (the directory found it by that address).
            var result = OpenPGPResult.verified(signer: signer.fingerprint, address: from)
            if let source { result.value += "; key-source=\(source)" }
            return result
        case .unknownSigner(let keyID):
            return .unverified("signing key \(keyID ?? "(unnamed)") is not in \(from)'s certificates")
        case .bad(let reason), .unusable(let reason):
            return .unverified(reason)
        }
    }
}

/// The verdict and its header field.
struct OpenPGPResult: Equatable {
    var value: String

    static func verified(signer: String, address: String) -> OpenPGPResult {
        OpenPGPResult(value: "signed; verified=yes; signer=\(signer); uid=\(address)")
    }

    /// `reason` as a quoted-string (RFC 5322 §3.2.4), cut to keep the field on one line (RFC 5322 §2.1.1).
    static func unverified(_ reason: String) -> OpenPGPResult {
        let printable = reason.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7f }.prefix(300)
        var quoted = ""
        for scalar in printable {
            if scalar == "\"" || scalar == "\\" { quoted.append("\\") }
            quoted.unicodeScalars.append(scalar)
        }
        return OpenPGPResult(value: "signed; verified=no; reason=\"\(quoted)\"")
    }

    var field: String { "\(OpenPGPStage.fieldName): \(value)\r\n" }
}

/// RFC 3156 §5: multipart/signed; protocol="application/pgp-signature" with exactly two parts,
/// the second of type application/pgp-signature; the first such part depth-first through the
/// multiparts (a mailing list may wrap the signed message in multipart/mixed), not inside an
/// enclosed message/rfc822 (someone else's mail, whose signer From does not name). The parser
/// bounds the depth.
struct PGPSignedPart {
    var content: MIMEPart
    var signature: MIMEPart

    static func find(in message: MIMEMessage) -> PGPSignedPart? { find(in: message.root) }

    static func find(in part: MIMEPart) -> PGPSignedPart? {
        let type = part.contentType
        if type.mimeType.lowercased() == "multipart/signed", type.parameter("protocol")?.lowercased() == "application/pgp-signature",
           part.parts.count == 2, part.parts[1].contentType.mimeType.lowercased() == "application/pgp-signature" {
            return PGPSignedPart(content: part.parts[0], signature: part.parts[1])
        }
        for child in part.parts {
            if let found = find(in: child) { return found }
        }
        return nil
    }
}
