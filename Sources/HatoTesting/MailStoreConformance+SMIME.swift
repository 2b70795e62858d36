import Foundation
import MailCore
import MailStore

extension MailStoreConformance {
    /// Account certificates keep their sealed key and chain and go with the account; every
    /// certificate is found by address in any case, newest first; a second put replaces;
    /// remove takes every copy.
    public func smimeCertificates() async throws {
        let (store, _, _) = try await storeWithAccounts()
        let aliceCertificate = StoredSMIMECertificate(
            fingerprint: "AA11", owner: .account(Self.alice), addresses: ["alice@example.test"], certificate: [0x30, 0x01],
            chain: [[0x30, 0x02], [], [0x30, 0x03, 0x04]], sealedPrivateKey: [0x48, 0x53, 0x4B, 0x31, 9],
            notAfter: Date(timeIntervalSince1970: 1_900_000_000), imported: Date(timeIntervalSince1970: 1_800_000_000))
        let older = StoredSMIMECertificate(fingerprint: "CC33", owner: .contact, addresses: ["carol@remote.example"], certificate: [0x30, 0x05],
                                           notAfter: Date(timeIntervalSince1970: 1_900_000_000), imported: Date(timeIntervalSince1970: 1_700_000_000))
        let newer = StoredSMIMECertificate(fingerprint: "DD44", owner: .contact, addresses: ["carol@remote.example", "c@remote.example"],
                                           certificate: [0x30, 0x06], notAfter: Date(timeIntervalSince1970: 1_900_000_000),
                                           imported: Date(timeIntervalSince1970: 1_750_000_000))
        for certificate in [aliceCertificate, older, newer] { try await store.putSMIMECertificate(certificate) }
        try await requireThrows(MailStoreError.accountNotFound("nobody@example.test")) {
            try await store.putSMIMECertificate(StoredSMIMECertificate(
                fingerprint: "EE", owner: .account(try EmailAddress("nobody@example.test")), addresses: [], certificate: [1], notAfter: Date()))
        }
        try require(try await store.smimeCertificates(account: Self.alice) == [aliceCertificate], "an account's certificate reads back with key and chain")
        try require(try await store.smimeCertificates(account: nil).map(\.fingerprint) == ["AA11", "DD44", "CC33"], "accounts first, then newest")
        try require(try await store.smimeCertificates(address: "Carol@Remote.Example").map(\.fingerprint) == ["DD44", "CC33"], "by address, newest first")
        try require(try await store.smimeCertificates(address: "alice@example.test").map(\.fingerprint) == ["AA11"], "accounts' are found too")
        var refreshed = newer
        refreshed.addresses = ["c@remote.example"]
        try await store.putSMIMECertificate(refreshed)
        try require(try await store.smimeCertificates(address: "carol@remote.example").map(\.fingerprint) == ["CC33"], "a second put replaces")
        try await store.removeSMIMECertificate(fingerprint: "dd44")
        try await requireThrows(MailStoreError.smimeCertificateNotFound("DD44")) { try await store.removeSMIMECertificate(fingerprint: "DD44") }
        // Encryption at rest: off for a new account, stored both ways, listed, refused for nobody.
        try require(try await store.account(Self.alice)?.smimeAtRest == false, "at rest is off for new accounts")
        try await store.setSMIMEAtRest(Self.alice, on: true)
        try require(try await store.account(Self.alice)?.smimeAtRest == true, "at rest stored")
        try require(try await store.accounts().first { $0.address == Self.alice }?.smimeAtRest == true, "at rest listed")
        try await store.setSMIMEAtRest(Self.alice, on: false)
        try require(try await store.account(Self.alice)?.smimeAtRest == false, "at rest turned off")
        try await requireThrows(MailStoreError.accountNotFound("nobody@example.test")) {
            try await store.setSMIMEAtRest(try EmailAddress("nobody@example.test"), on: true)
        }
        try await store.removeAccount(Self.alice)
        try require(try await store.smimeCertificates(account: nil).map(\.fingerprint) == ["CC33"], "an account's certificates go with it")
        try await store.close()
    }
}
