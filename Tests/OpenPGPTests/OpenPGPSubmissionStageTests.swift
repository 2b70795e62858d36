import Foundation
import HatoTesting
import LocalDelivery
import Logging
import MailCore
import MailMessage
import MailStore
import OpenPGP
import Reception
import SMTPProtocol
import Testing

/// The OpenPGP submission stage with keys GnuPG made: what each policy does to a message, the
/// signature checked by Hato's own verifier (gpg and sq decrypt and verify in
/// EndToEndTests/OpenPGPSubmissionServeTests).
@Suite(.enabled(if: GnuPGAvailability.available || GnuPGAvailability.required, "gpg is not installed"))
struct OpenPGPSubmissionStageTests {
    struct Keyring: OpenPGPKeyring {
        var policyValue: OpenPGPSubmissionPolicy
        var secret: [UInt8]?
        var certificates: [String: OpenPGPCertificate]
        var own: [OpenPGPCertificate] = []
        var limits: OpenPGPLimits { OpenPGPLimits() }
        func policy(for account: EmailAddress) -> OpenPGPSubmissionPolicy { policyValue }
        func secretKey(for account: EmailAddress) async throws -> [UInt8]? { secret }
        func encryptionCertificate(for address: EmailAddress, sender: EmailAddress) async throws -> OpenPGPCertificate? { certificates[address.canonical] }
        func ownCertificates(for account: EmailAddress) async throws -> [OpenPGPCertificate] { own }
    }

    static let entity = "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n議事録です。\r\n"
    static let text = "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: minutes\r\nMIME-Version: 1.0\r\n" + entity

    func run(_ keyring: Keyring, _ text: String = Self.text, to: [String] = ["bob@example.com"]) async throws -> (ReceptionVerdict, ReceptionVerdict?, [UInt8]) {
        let stage = OpenPGPSubmissionStage(keyring: keyring)
        var client = ReceptionClient(hostname: "mail.example.com", listener: .submission, remoteIP: "192.0.2.1", logger: Logger(label: "test"))
        client.account = Account(id: AccountID(1), address: try EmailAddress("alice@example.com"), credentials: [], quota: Quota(),
                                 usage: QuotaUsage(bytes: 0, messages: 0), createdAt: Date())
        var transaction = ReceptionTransaction(id: "t1", mailFrom: try EmailAddress("alice@example.com"), parameters: SMTPMailParameters())
        var rcptVerdict: ReceptionVerdict?
        for address in to {
            var recipient = ReceptionRecipient(address: try EmailAddress(address), parameters: SMTPRcptParameters())
            let verdict = await stage.recipient(&recipient, transaction: transaction, client: client)
            if verdict != .accept { rcptVerdict = verdict }
            transaction.recipients.append(AcceptedRecipient(address: recipient.address, resolution: .unknownUser))
        }
        var message = ReceptionMessage(content: ReceivedMessage(bytes: Array(text.utf8)))
        let verdict = await stage.message(&message, transaction: transaction, client: client)
        return (verdict, rcptVerdict, message.content.bytes)
    }

    @Test func alwaysSignsAndHatosVerifierAcceptsTheSignature() async throws {
        let keys = try await SharedKeys.keys
        let secret = try OpenPGPSecretKey.read(try await keys.exportSecret("alice"), password: nil)
        let (verdict, _, bytes) = try await run(Keyring(policyValue: .init(sign: .always), secret: secret.data, certificates: [:]))
        #expect(verdict == .accept)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("From: alice@example.com\r\nTo: bob@example.com\r\nSubject: minutes\r\nMIME-Version: 1.0\r\n"
                               + "Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; micalg=pgp-sha256;"), "\(text)")
        let parsed = MIMEMessage(parsing: bytes)
        let boundary = try #require(parsed.root.contentType.parameter("boundary"))
        let pieces = text.components(separatedBy: "\r\n--\(boundary)")
        try #require(pieces.count == 4, "\(text)")
        #expect(pieces[1] == "\r\n" + Self.entity, "the entity byte for byte")
        let blank = try #require(pieces[2].range(of: "\r\n\r\n"))
        let signature = String(pieces[2][blank.upperBound...])
        #expect(signature.hasPrefix("-----BEGIN PGP SIGNATURE-----\r\n"), "\(signature)")
        let result = OpenPGPVerifier().verifyDetached(signature: Array(signature.utf8), content: Array(Self.entity.utf8),
                                                      certificates: [try await keys.export("alice")])
        guard case .good(let signer) = result else { Issue.record("not verified: \(result)"); return }
        #expect(signer.fingerprint == (try keys.fingerprint("alice")), "alice's (Ed25519) key signed")
    }

    @Test func alwaysWithoutASecretKeySendsUnsigned() async throws {
        let (verdict, _, bytes) = try await run(Keyring(policyValue: .init(sign: .always), secret: nil, certificates: [:]))
        #expect(verdict == .accept && bytes == Array(Self.text.utf8))
    }

    @Test func requiredRefusesARecipientWithoutAKey() async throws {
        let keys = try await SharedKeys.keys
        let bob = try OpenPGPCertificate.read(try await keys.export("bob"))[0]
        let (verdict, rcpt, _) = try await run(Keyring(policyValue: .init(encrypt: .required), secret: nil, certificates: ["bob@example.com": bob]),
                                               to: ["bob@example.com", "taro@example.org"])
        #expect(rcpt?.refusal?.text == "No OpenPGP key for <taro@example.org>: encryption is required (hato pgp import-contact)")
        #expect(rcpt?.refusal?.code == 550 && rcpt?.refusal?.enhancedCode.description == "5.7.1")
        #expect(verdict.refusal?.text == rcpt?.refusal?.text, "and again at the end of DATA")
    }

    @Test func opportunisticEncryptsOnlyWhenEveryRecipientHasAKey() async throws {
        let keys = try await SharedKeys.keys
        let bob = try OpenPGPCertificate.read(try await keys.export("bob"))[0]
        let alice = try OpenPGPCertificate.read(try await keys.export("alice"))[0]
        let keyring = Keyring(policyValue: .init(encrypt: .opportunistic), secret: nil, certificates: ["bob@example.com": bob], own: [alice])
        let (_, _, unchanged) = try await run(keyring, to: ["bob@example.com", "taro@example.org"])
        #expect(unchanged == Array(Self.text.utf8), "taro has no key: sent as is")
        let (verdict, _, bytes) = try await run(keyring)
        #expect(verdict == .accept)
        let parsed = MIMEMessage(parsing: bytes)
        #expect(parsed.root.contentType.mimeType == "multipart/encrypted")
        #expect(parsed.root.contentType.parameter("protocol") == "application/pgp-encrypted")
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("\r\nVersion: 1\r\n") && text.contains("-----BEGIN PGP MESSAGE-----\r\n") && !text.contains("議事録"), "\(text)")
        #expect(!text.contains("\n\n") && !text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "CRLF line endings only")
    }

    @Test func aMessageTheClientProtectedIsLeftAlone() async throws {
        let keys = try await SharedKeys.keys
        let secret = try OpenPGPSecretKey.read(try await keys.exportSecret("alice"), password: nil)
        let signed = "From: alice@example.com\r\nTo: bob@example.com\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/signed; protocol=\"application/pgp-signature\"; boundary=x\r\n\r\n--x\r\n\r\nhi\r\n--x--\r\n"
        let (verdict, _, bytes) = try await run(Keyring(policyValue: .init(sign: .always), secret: secret.data, certificates: [:]), signed)
        #expect(verdict == .accept && bytes == Array(signed.utf8))
    }
}
