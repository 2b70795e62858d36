// Autocrypt Level 1 (autocrypt.org/level1.html §2.1): mail a user submits carries their public key
// in an `Autocrypt: addr=...; keydata=...` field, so correspondents' mail programs (Thunderbird,
// K-9/Thunderbird for Android, Delta Chat, Evolution) learn it and can encrypt replies. The key is
// the account's own certificate (`hato pgp import`), only when the From address is the account's
// address, the message has no Autocrypt field of its own (the user's program wins) and is not
// encrypted already. Runs before DKIM signing (ReceptionPipeline.standard), so the signature covers it.

import Foundation
import MailMessage
import MailStore

public struct AutocryptStage: ReceptionStage {
    public static let fieldName = "Autocrypt"
    public let keys: any OpenPGPKeyStore
    public var name: String { "autocrypt" }
    public var phases: ReceptionPhases { .message }

    public init(keys: any OpenPGPKeyStore) { self.keys = keys }

    public func message(_ message: inout ReceptionMessage, transaction: ReceptionTransaction,
                        client: ReceptionClient) async -> ReceptionVerdict {
        guard let account = client.account else { return .accept }
        let parsed = message.content.parsed
        guard parsed.header.field(Self.fieldName) == nil,
              parsed.root.contentType.mimeType.lowercased() != "multipart/encrypted",
              let from = parsed.header.from.mailboxes.first.map({ "\($0.address)".lowercased() }),
              from == account.address.canonical,
              let certificate = (try? await keys.openPGPCertificates(account: account.address))?.last
        else { return .accept }
        return .tag([.header(Self.field(address: from, keydata: certificate.data))])
    }

    /// `Autocrypt: addr=A; keydata=` and the base64 key folded in 76-character lines (§2.1 allows
    /// folding whitespace in keydata; each line stays far below RFC 5322's 998).
    static func field(address: String, keydata: [UInt8], name: String = fieldName) -> String {
        let encoded = Data(keydata).base64EncodedString()
        var lines: [Substring] = []
        var rest = Substring(encoded)
        while !rest.isEmpty {
            lines.append(rest.prefix(76))
            rest = rest.dropFirst(76)
        }
        return "\(name): addr=\(address); keydata=\r\n " + lines.joined(separator: "\r\n ") + "\r\n"
    }
}
