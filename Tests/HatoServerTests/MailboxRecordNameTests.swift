import DNSMessage
import Foundation
import HatoServer
import MailCore
import MailStore
import Testing

/// The owner names of a mailbox's DANE records, against the RFCs' own examples: RFC 8162 §3
/// (SMIMEA) and RFC 7929 §3 (OPENPGPKEY) both hash "hugh" of hugh@example.com.
struct MailboxRecordNameTests {
    static let hugh = "c93f1e400f26708f98cb19d936620da35eec8f72e57f9eec01c1afd6"

    @Test func smimeaNameIsTheRFCExample() throws {
        #expect(SMIMEARecords.ownerName(try EmailAddress("hugh@example.com")) == Self.hugh + "._smimecert.example.com.")
    }

    @Test func openpgpkeyNameIsTheRFCExample() throws {
        #expect(OpenPGPKeyRecords.ownerName(localPart: "hugh", domain: try Domain("example.com")) == Self.hugh + "._openpgpkey.example.com.")
    }

    /// Only account certificates are published, one record per address of the account's domain.
    @Test func onlyAccountsCertificatesInTheirDomainArePublished() throws {
        let hana = StoredSMIMECertificate(fingerprint: "AA", owner: .account(try EmailAddress("hana@example.test")),
                                          addresses: ["hana@example.test", "hana@elsewhere.example"], certificate: [0x30, 0x00],
                                          notAfter: .distantFuture)
        let contact = StoredSMIMECertificate(fingerprint: "BB", owner: .contact, addresses: ["bob@example.test"], certificate: [0x30, 0x01],
                                             notAfter: .distantFuture)
        let entries = try SMIMEARecords.entries([hana, contact], domain: nil)
        #expect(entries.map(\.address.canonical) == ["hana@example.test"])
        #expect(entries.first?.record.data == .smimea(usage: 3, selector: 0, matchingType: 0, data: [0x30, 0x00]))
        #expect(try SMIMEARecords.entries([hana], domain: try Domain("other.test")).isEmpty)
    }
}
