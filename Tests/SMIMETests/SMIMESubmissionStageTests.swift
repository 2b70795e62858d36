import Foundation
import HatoTesting
import LocalDelivery
import Logging
import MailCore
import MailMessage
import MailStore
import Reception
import SMIME
import SMTPProtocol
import Testing

/// The submission stage with keys the openssl command line made: what each policy does to a
/// message, checked by Hato's own verifier and decryption (the peers' view is in
/// EndToEndTests/SMIMESubmissionServeTests).
@Suite(.enabled(if: OpenSSLAvailability.available || OpenSSLAvailability.required, "openssl is not installed"))
struct SMIMESubmissionStageTests {
    struct Keyring: SMIMEKeyring {
        var policyValue: SMIMESubmissionPolicy
        var identities: [String: SMIMEIdentity]
        var certificates: [String: SMIMECertificate]
        func policy(for account: EmailAddress) -> SMIMESubmissionPolicy { policyValue }
        func identity(for account: EmailAddress) async throws -> SMIMEIdentity? { identities[account.canonical] }
        func encryptionCertificate(for address: EmailAddress) async throws -> SMIMECertificate? { certificates[address.canonical] }
    }

    static func identity(_ pki: SMIMETestPKI, _ user: String) throws -> SMIMEIdentity {
        let certificates = try SMIMECertificate.read(Array(try Data(contentsOf: pki.directory.appendingPathComponent("\(user).pem"))))
            + SMIMECertificate.read(Array(try Data(contentsOf: pki.directory.appendingPathComponent("inter.pem"))))
        return try SMIMEIdentity(certificates: certificates, key: Array(try Data(contentsOf: pki.directory.appendingPathComponent("\(user).key"))))
    }

    static let text = "From: hana@example.test\r\nTo: bob@example.net\r\nSubject: minutes\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nMinutes.\r\n"

    func run(_ keyring: Keyring, _ text: String = Self.text, to: [String] = ["bob@example.net"]) async throws -> (ReceptionVerdict, ReceptionVerdict?, [UInt8]) {
        let stage = SMIMESubmissionStage(keyring: keyring)
        var client = ReceptionClient(hostname: "mail.example.test", listener: .submission, remoteIP: "192.0.2.1", logger: Logger(label: "test"))
        client.account = Account(id: AccountID(1), address: try EmailAddress("hana@example.test"), credentials: [], quota: Quota(),
                                 usage: QuotaUsage(bytes: 0, messages: 0), createdAt: Date())
        var transaction = ReceptionTransaction(id: "t1", mailFrom: try EmailAddress("hana@example.test"), parameters: SMTPMailParameters())
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

    @Test func alwaysSignsAndTheSignatureVerifies() async throws {
        let pki = try await SMIMETestPKI.make()
        let hana = try Self.identity(pki, "hana")
        let (verdict, _, bytes) = try await run(Keyring(policyValue: .init(sign: .always), identities: ["hana@example.test": hana], certificates: [:]))
        #expect(verdict == .accept)
        let result = SMIMEStage.evaluate(MIMEMessage(parsing: bytes), verifier: SMIMEVerifier(trust: try SMIMETrustStore(sources: [pki.rootCA])))
        #expect(result?.encoded == "smime=pass body.smime-identifier=hana@example.test body.smime-part=2", "the chain goes along")
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("From: hana@example.test\r\nTo: bob@example.net\r\nSubject: minutes\r\nMIME-Version: 1.0\r\n"))
    }

    @Test func requiredRefusesARecipientWithoutACertificate() async throws {
        let pki = try await SMIMETestPKI.make()
        let bob = try SMIMECertificate.read(Array(try Data(contentsOf: pki.directory.appendingPathComponent("bob.pem"))))[0]
        let keyring = Keyring(policyValue: .init(encrypt: .required), identities: [:], certificates: ["bob@example.net": bob])
        let (verdict, rcpt, _) = try await run(keyring, to: ["bob@example.net", "carol@example.com"])
        #expect(rcpt?.refusal?.text == "No S/MIME certificate for <carol@example.com>: encryption is required (hato smime import-cert)")
        #expect(rcpt?.refusal?.code == 550 && rcpt?.refusal?.enhancedCode.description == "5.7.1")
        #expect(verdict.refusal?.text == rcpt?.refusal?.text, "and again at the end of DATA")
    }

    @Test func opportunisticEncryptsOnlyWhenEveryRecipientHasACertificate() async throws {
        let pki = try await SMIMETestPKI.make()
        let bob = try Self.identity(pki, "bob"), hana = try Self.identity(pki, "hana")
        let keyring = Keyring(policyValue: .init(encrypt: .opportunistic), identities: ["hana@example.test": hana],
                              certificates: ["bob@example.net": bob.certificate])
        let (verdict, _, bytes) = try await run(keyring)
        #expect(verdict == .accept)
        let entity = Array("Content-Type: text/plain; charset=utf-8\r\n\r\nMinutes.\r\n".utf8)
        let opened = try SMIMEComposer.decrypted(bytes, identity: bob, limit: 1 << 20)
        #expect(opened == Array("From: hana@example.test\r\nTo: bob@example.net\r\nSubject: minutes\r\nMIME-Version: 1.0\r\n".utf8) + entity)
        #expect(try SMIMEComposer.decrypted(bytes, identity: hana, limit: 1 << 20) == opened, "the sender's own certificate is a recipient")
        let (_, _, plain) = try await run(keyring, to: ["bob@example.net", "carol@example.com"])
        #expect(plain == Array(Self.text.utf8), "carol has no certificate: sent as is")
    }

    @Test func ifRequestedSignsOnlyWhenAskedAndRemovesTheField() async throws {
        let pki = try await SMIMETestPKI.make()
        let keyring = Keyring(policyValue: .init(sign: .ifRequested), identities: ["hana@example.test": try Self.identity(pki, "hana")], certificates: [:])
        let (_, _, unasked) = try await run(keyring)
        #expect(unasked == Array(Self.text.utf8))
        let (_, _, asked) = try await run(keyring, "Hato-SMIME: sign\r\n" + Self.text)
        let text = String(decoding: asked, as: UTF8.self)
        #expect(text.contains("Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256;"))
        #expect(!text.contains("Hato-SMIME"))
    }

    @Test func alwaysWithoutAKeyRefusesAndProtectedMailIsLeftAlone() async throws {
        let (verdict, _, _) = try await run(Keyring(policyValue: .init(sign: .always), identities: [:], certificates: [:]))
        #expect(verdict.refusal?.text == "No S/MIME key for hana@example.test to sign with (hato smime import)")
        let protected = "From: hana@example.test\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n\r\nMIAGCSqGSIb3DQEHA6CAMIACAQAx\r\n"
        let (again, _, bytes) = try await run(Keyring(policyValue: .init(sign: .always), identities: [:], certificates: [:]), protected)
        #expect(again == .accept && bytes == Array(protected.utf8), "the client encrypted it already")
    }
}
