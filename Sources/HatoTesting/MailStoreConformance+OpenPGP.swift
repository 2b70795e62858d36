import Foundation
import MailCore
import MailStore

extension MailStoreConformance {
    /// Account certificates belong to an account (and go with it), contact certificates are
    /// found by address in any case, a second put replaces, and remove takes every copy.
    public func openPGPCertificates() async throws {
        let (store, _, _) = try await storeWithAccounts()
        let imported = Date(timeIntervalSince1970: 1_800_000_000)
        let aliceKey = StoredOpenPGPCertificate(fingerprint: "AAAA1111", owner: .account(Self.alice), addresses: ["alice@example.test"],
                                                data: [0x99, 0x00, 0x01], imported: imported)
        let bobKey = StoredOpenPGPCertificate(fingerprint: "BBBB2222", owner: .account(Self.bob), addresses: ["bob@example.test"],
                                              data: [0x99, 0x00, 0x02], imported: imported)
        let contact = StoredOpenPGPCertificate(fingerprint: "CCCC3333", owner: .contact,
                                               addresses: ["carol@remote.example", "c@remote.example"], data: [0x99, 0x00, 0x03], imported: imported)
        try await store.putOpenPGPCertificate(aliceKey)
        try await store.putOpenPGPCertificate(bobKey)
        try await store.putOpenPGPCertificate(contact)
        try await requireThrows(MailStoreError.accountNotFound("nobody@example.test")) {
            try await store.putOpenPGPCertificate(StoredOpenPGPCertificate(
                fingerprint: "DDDD", owner: .account(try EmailAddress("nobody@example.test")), addresses: [], data: [1]))
        }
        try require(try await store.openPGPCertificates(account: Self.alice) == [aliceKey], "an account's certificates read back")
        let all = try await store.openPGPCertificates(account: nil)
        try require(all.map(\.fingerprint) == ["AAAA1111", "BBBB2222", "CCCC3333"], "accounts first, then contacts: \(all.map(\.fingerprint))")
        try require(all[2].addresses == ["c@remote.example", "carol@remote.example"], "addresses, sorted: \(all[2].addresses)")
        try require(try await store.openPGPContactCertificates(address: "Carol@Remote.Example").map(\.fingerprint) == ["CCCC3333"],
                    "contacts are found by address in any case")
        try require(try await store.openPGPContactCertificates(address: "alice@example.test").isEmpty,
                    "an account's certificate is not a contact's")

        var refreshed = contact
        refreshed.data = [0x99, 0x00, 0x04]
        refreshed.addresses = ["carol@remote.example"]
        try await store.putOpenPGPCertificate(refreshed)
        try require(try await store.openPGPContactCertificates(address: "carol@remote.example").map(\.data) == [[0x99, 0x00, 0x04]],
                    "a second put replaces")
        try require(try await store.openPGPContactCertificates(address: "c@remote.example").isEmpty, "with its addresses")

        // The same key may be an account's and a contact's; remove takes both.
        try await store.putOpenPGPCertificate(StoredOpenPGPCertificate(fingerprint: "AAAA1111", owner: .contact,
                                                                       addresses: ["alice@example.test"], data: [1]))
        try await store.removeOpenPGPCertificate(fingerprint: "aaaa1111")
        try require(try await store.openPGPCertificates(account: nil).map(\.fingerprint) == ["BBBB2222", "CCCC3333"], "removed everywhere")
        try await requireThrows(MailStoreError.openPGPCertificateNotFound("AAAA1111")) {
            try await store.removeOpenPGPCertificate(fingerprint: "AAAA1111")
        }
        try await store.removeAccount(Self.bob)
        try require(try await store.openPGPCertificates(account: nil).map(\.fingerprint) == ["CCCC3333"], "an account's keys go with it")
        try await store.close()
    }
}
