import Foundation
import HatoTesting
import MailCore
import MailMessage
import OpenPGP
@testable import Reception
import Testing

/// Which recipients get an Autocrypt-Gossip field (Autocrypt Level 1 §2.7), with certificates
/// GnuPG made; that GnuPG imports the gossiped keys from mail Hato encrypted is checked in
/// EndToEndTests/OpenPGPHeaderProtectionServeTests.
@Suite(.enabled(if: GnuPGAvailability.available || GnuPGAvailability.required, "gpg is not installed"))
struct AutocryptGossipTests {
    static func recipients() async throws -> [(address: EmailAddress, certificate: OpenPGPCertificate)] {
        let keys = try await SharedKeys.keys
        let bob = try OpenPGPCertificate.read(try await keys.export("bob"))[0]
        let other = try OpenPGPCertificate.read(try await keys.export("mallory"))[0]
        return [(try EmailAddress("bob@example.com"), bob), (try EmailAddress("ken@example.com"), other),
                (try EmailAddress("eve@example.com"), other), (try EmailAddress("alice@example.com"), other)]
    }

    static func header(_ text: String) -> HeaderSection { MIMEMessage(parsing: Array((text + "\r\nbody\r\n").utf8)).header }

    @Test func namedRecipientsAreGossipedNotBccNorTheSender() async throws {
        let header = Self.header("From: alice@example.com\r\nTo: Bob <bob@example.com>, alice@example.com\r\nCc: \"Ken\" <KEN@Example.COM>\r\n")
        let text = String(decoding: AutocryptGossip.fields(header, recipients: try await Self.recipients(), sender: try EmailAddress("alice@example.com")),
                          as: UTF8.self)
        let fields = text.components(separatedBy: "\r\n").filter { $0.hasPrefix("Autocrypt-Gossip:") }
        #expect(fields == ["Autocrypt-Gossip: addr=bob@example.com; keydata=", "Autocrypt-Gossip: addr=ken@example.com; keydata="], "\(text)")
        let bob = Data(try OpenPGPCertificate.read(try await SharedKeys.keys.export("bob"))[0].data).base64EncodedString()
        let folded = text.components(separatedBy: "\r\n").prefix { !$0.hasPrefix("Autocrypt-Gossip: addr=ken") }.dropFirst()
        #expect(folded.map { $0.trimmingCharacters(in: .whitespaces) }.joined() == bob, "bob's key, folded")
        #expect(text.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 }, "RFC 5322 §2.1.1 line length")
    }

    @Test func oneNamedRecipientGetsNoGossip() async throws {
        let header = Self.header("From: alice@example.com\r\nTo: bob@example.com\r\n")
        #expect(AutocryptGossip.fields(header, recipients: try await Self.recipients(), sender: try EmailAddress("alice@example.com")).isEmpty,
                "eve and ken are envelope recipients only (Bcc)")
    }
}
