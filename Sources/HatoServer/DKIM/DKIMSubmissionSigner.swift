// Signing on submission: the active keys of the header From domain sign the message before
// it is delivered locally or queued (RFC 6376 §5; DMARC aligns d= with the From domain).

import Foundation
import Logging
import MailAuth
import MailCore
import MailStore
import Reception

public struct DKIMSubmissionSigner: MessageSigner {
    public let keys: DKIMKeyManager
    public let logger: Logger
    /// x= lifetime in seconds (`[dkim] signature_lifetime`), nil for none.
    public let lifetime: Int?

    public init(store: any DKIMKeyStore, lifetime: Int? = nil, logger: Logger = Logger(label: "hato.dkim")) {
        self.keys = DKIMKeyManager(store: store)
        self.lifetime = lifetime
        self.logger = logger
    }

    public func signatureFields(for message: DKIMMessage, account: Account) async -> String {
        await signatureFields(for: message)
    }

    /// The signature fields for mail Hato itself writes (DMARC reports): the From domain's keys.
    public func signatureFields(for message: DKIMMessage) async -> String {
        guard let domain = Self.fromDomain(message) else { return "" }
        do {
            let signingKeys = try await keys.signingKeys(domain: domain)
            guard !signingKeys.isEmpty else { return "" }
            let signer = DKIMSigner(keys: signingKeys, lifetime: lifetime)
            // Only fields are prepended: the message itself is not rewritten.
            return try signer.signatureFields(for: message, now: Date()).map { String(decoding: $0, as: UTF8.self) }.joined()
        } catch {
            // Unsigned mail still goes out; the operator sees why in the log.
            logger.error("DKIM signing failed", metadata: ["domain": "\(domain)", "error": "\(error)"])
            return ""
        }
    }

    /// Signs raw bytes (tests, tools): the message with the signature fields on top.
    public func sign(_ message: [UInt8], account: Account) async -> [UInt8] {
        Array(await signatureFields(for: DKIMMessage(message), account: account).utf8) + DKIMMessage(message).bytes
    }

    /// The domain of the (first) address in the From field.
    static func fromDomain(_ message: DKIMMessage) -> Domain? {
        guard let from = message.headers.first(where: { $0.hasName("From") }) else { return nil }
        let value = String(decoding: from.rawValue, as: UTF8.self)
        // The address is inside <...> when there is a display name; otherwise the whole value.
        var address = Substring(value)
        if let open = value.lastIndex(of: "<"), let close = value[open...].firstIndex(of: ">") {
            address = value[value.index(after: open)..<close]
        }
        guard let at = address.lastIndex(of: "@") else { return nil }
        let domain = address[address.index(after: at)...].prefix { !" \t\r\n>,;()".contains($0) }
        return try? Domain(String(domain))
    }
}
