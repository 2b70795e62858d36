import Foundation
import MailCore
import MailStore

extension MailStoreConformance {
    /// An account certificate's sealed secret key is kept as given, a put without one drops it
    /// (re-importing the public certificate alone), contacts carry none, and the account's
    /// OpenPGP at-rest flag is off for new accounts, stored, listed and independent of S/MIME's.
    public func openPGPSecretKeysAndAtRest() async throws {
        let (store, _, _) = try await storeWithAccounts()
        let imported = Date(timeIntervalSince1970: 1_800_000_000)
        let sealed: [UInt8] = Array("HSK1".utf8) + [0x00, 0xFF, 0x10, 0x80]
        let withSecret = StoredOpenPGPCertificate(fingerprint: "AAAA1111", owner: .account(Self.alice), addresses: ["alice@example.test"],
                                                  data: [0x99, 0x00, 0x01], imported: imported, sealedSecretKey: sealed)
        try await store.putOpenPGPCertificate(withSecret)
        try await store.putOpenPGPCertificate(StoredOpenPGPCertificate(fingerprint: "CCCC3333", owner: .contact,
                                                                       addresses: ["carol@remote.example"], data: [0x99], imported: imported))
        try require(try await store.openPGPCertificates(account: Self.alice) == [withSecret], "the sealed secret key reads back byte for byte")
        let all = try await store.openPGPCertificates(account: nil)
        try require(all.map(\.sealedSecretKey) == [sealed, nil], "only the account's certificate has one: \(all.map(\.sealedSecretKey))")
        try require(try await store.openPGPContactCertificates(address: "carol@remote.example").first?.sealedSecretKey == nil, "a contact has none")
        var publicOnly = withSecret
        publicOnly.sealedSecretKey = nil
        try await store.putOpenPGPCertificate(publicOnly)
        try require(try await store.openPGPCertificates(account: Self.alice).first?.sealedSecretKey == nil, "a put without one replaces it")

        try require(try await store.account(Self.alice)?.openpgpAtRest == false, "OpenPGP at rest is off for new accounts")
        try await store.setOpenPGPAtRest(Self.alice, on: true)
        try require(try await store.account(Self.alice)?.openpgpAtRest == true, "OpenPGP at rest stored")
        try require(try await store.account(Self.alice)?.smimeAtRest == false, "S/MIME's flag is another one")
        try require(try await store.accounts().first { $0.address == Self.alice }?.openpgpAtRest == true, "listed")
        try require(try await store.account(Self.bob)?.openpgpAtRest == false, "only that account")
        try await store.setOpenPGPAtRest(Self.alice, on: false)
        try require(try await store.account(Self.alice)?.openpgpAtRest == false, "turned off")
        try await requireThrows(MailStoreError.accountNotFound("nobody@example.test")) {
            try await store.setOpenPGPAtRest(try EmailAddress("nobody@example.test"), on: true)
        }
        try await store.close()
    }
}
