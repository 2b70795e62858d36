import Foundation
@testable import SASL

/// An in-memory credential store; `error` makes every lookup throw it.
struct MemoryLookup: SASLCredentialLookup {
    var accounts: [String: SASLAccountCredentials] = [:]
    var error: (any Error & Sendable)?

    func credentials(for username: String) async throws -> SASLAccountCredentials? {
        if let error { throw error }
        return accounts[username]
    }
}

struct StoreDown: Error {}

enum Fixture {
    /// RFC 5802 §5 and RFC 7677 §3: user "user", password "pencil", with the RFCs' salts.
    static let rfcSalt1 = SASLBase64.decode("QSXCR+Q6sek8bf92")!
    static let rfcSalt256 = SASLBase64.decode("W22ZaJ0SNY7soEsUEjb6gQ==")!

    static func credentials(password: String, cramMD5: Bool = false) throws -> SASLAccountCredentials {
        SASLAccountCredentials(
            scram: [
                try SCRAMCredentials.derive(password: password, hash: .sha256, salt: rfcSalt256, iterations: 4096),
                try SCRAMCredentials.derive(password: password, hash: .sha1, salt: rfcSalt1, iterations: 4096),
            ],
            cramMD5: cramMD5 ? CRAMMD5Credentials.derive(password: password) : nil
        )
    }

    /// "user"/"pencil" (RFC 5802), "tim"/"tanstaaftanstaaf" with CRAM-MD5 (RFC 2195, RFC 4616),
    /// "Kurt"/"xipj3plmq" (RFC 4616), "nocram"/"secret" without CRAM-MD5, "a,b=c"/"pw".
    static func lookup() throws -> MemoryLookup {
        MemoryLookup(accounts: [
            "user": try credentials(password: "pencil"),
            "tim": try credentials(password: "tanstaaftanstaaf", cramMD5: true),
            "Kurt": try credentials(password: "xipj3plmq"),
            "nocram": try credentials(password: "secret"),
            "a,b=c": try credentials(password: "pw"),
        ])
    }

    static func configuration(nonce: String = "3rfcNHYJY1ZVvWVs7j") -> SASLServerConfiguration {
        SASLServerConfiguration(hostname: "mail.example", iterations: 4096, dummySecret: Array(repeating: 7, count: 32), makeNonce: { nonce })
    }
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}

extension SASLStep {
    /// The challenge as text, or nil.
    var challengeText: String? {
        if case .challenge(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    var failure: SASLFailure? {
        if case .failure(let failure, _) = self { return failure }
        return nil
    }

    var serverFinalText: String? {
        switch self {
        case .success(let final?, _), .failure(_, let final?): String(decoding: final, as: UTF8.self)
        default: nil
        }
    }

    var identity: SASLIdentity? {
        if case .success(_, let identity) = self { return identity }
        return nil
    }
}
