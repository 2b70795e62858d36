import Crypto
import IMAPProtocol
import MailCore
import MailStore

/// RFC 4467 URLAUTH: RESETKEY, GENURLAUTH and URLFETCH (with RFC 5524's extended form, in
/// URLFetch.swift). The INTERNAL mechanism signs the rump URL with HMAC-SHA1 (§2.4.1's
/// suggestion) under the owner's 128-bit access key for the mailbox (`URLAuthKeyStore`).
extension IMAPSession {
    /// §7 RESETKEY: only INTERNAL is offered, so another mechanism is BAD.
    mutating func resetKey(_ tag: String, _ name: IMAPMailboxName?, _ mechanisms: [String], _ user: AuthenticatedUser) -> [IMAPAction] {
        if let other = mechanisms.first(where: { $0 != "INTERNAL" }) {
            return fail(tag, .urlAuthArgument("unknown URLAUTH mechanism \(other)"))
        }
        return run(.resetKey(tag: tag, name, user))
    }

    /// §7 GENURLAUTH: every URL must be a rump URL (`;URLAUTH=<access>` last, no token) naming a
    /// message or part of one, owned by the logged-in user (the key table is theirs), with the
    /// INTERNAL mechanism; anything else is BAD. The mailbox is checked by the step.
    mutating func genURLAuth(_ tag: String, _ requests: [IMAPGenURLAuthRequest], _ user: AuthenticatedUser) -> [IMAPAction] {
        guard requests.count <= settings.urlAuthMaxURLs else { return fail(tag, .tooManyAuthURLs(limit: settings.urlAuthMaxURLs)) }
        var urls: [IMAPAuthorizedURL] = []
        for request in requests {
            guard request.mechanism == "INTERNAL" else { return fail(tag, .urlAuthArgument("unknown URLAUTH mechanism \(request.mechanism)")) }
            guard request.url.utf8.count <= settings.urlAuthMaxURLLength else {
                return fail(tag, .urlAuthArgument("URL longer than \(settings.urlAuthMaxURLLength) octets"))
            }
            guard let url = IMAPURL.parseAuthorized(request.url, full: false) else {
                return fail(tag, .urlAuthArgument(Self.rumpProblem(request.url)))
            }
            guard (try? EmailAddress(url.owner)) == user.address else {
                return fail(tag, .urlAuthArgument("the URL's user must be the one logged in"))
            }
            if case .user(let name) = url.access, (try? EmailAddress(name)) == nil {
                return fail(tag, .urlAuthArgument("user+ needs a user name of this server"))
            }
            urls.append(url)
        }
        return run(.genURLAuth(tag: tag, urls, user))
    }

    mutating func urlFetch(_ tag: String, _ requests: [IMAPURLFetchRequest], _ user: AuthenticatedUser) -> [IMAPAction] {
        guard requests.count <= settings.urlAuthMaxURLs else { return fail(tag, .tooManyAuthURLs(limit: settings.urlAuthMaxURLs)) }
        return run(.urlFetch(tag: tag, requests, user))
    }

    /// The RFC's own BAD texts where they apply (§7's GENURLAUTH examples).
    static func rumpProblem(_ url: String) -> String {
        let upper = url.uppercased()
        if !upper.contains(";URLAUTH=") { return "missing access identifier in supplied URL" }
        if let server = upper.split(separator: "/", omittingEmptySubsequences: false).dropFirst(2).first, !server.contains("@") {
            return "missing owner username in supplied URL"
        }
        return "not an IMAP URL of a message or part ending in ;URLAUTH=<access> without a token"
    }
}

extension IMAPStepRunner {
    /// §7 RESETKEY mailbox: a new key (every URL of the old one stops working), `OK [URLMECH
    /// INTERNAL]`; without a mailbox every key of the user is removed. A mailbox that does not
    /// exist is `NO [NONEXISTENT]`.
    func resetKey(_ tag: String, _ name: IMAPMailboxName?, _ user: AuthenticatedUser) async -> IMAPStepResult {
        do {
            guard let name else {
                try await store.resetURLAuthKey(of: user.accountID, mailbox: nil, to: nil)
                return .done(tag: tag, IMAPCompletion(text: "All keys removed"))
            }
            guard let mailbox = try await store.mailbox(of: user.accountID, named: name.name) else {
                return .failed(tag: tag, .noSuchMailbox(.nonExistent))
            }
            try await store.resetURLAuthKey(of: user.accountID, mailbox: mailbox.id, to: URLAuthToken.newKey())
            return .done(tag: tag, IMAPCompletion(code: .other("URLMECH", "INTERNAL"), text: "RESETKEY completed"))
        } catch {
            return .failed(tag: tag, .unavailable("reset URLAUTH keys"))
        }
    }

    /// §7 GENURLAUTH: the mailbox must exist (else BAD); its key is made on first use.
    func genURLAuth(_ tag: String, _ urls: [IMAPAuthorizedURL], _ user: AuthenticatedUser) async -> IMAPStepResult {
        do {
            var out: [String] = []
            for url in urls {
                guard let mailbox = try await store.mailbox(of: user.accountID, named: url.message.mailbox.name) else {
                    return .failed(tag: tag, .urlAuthArgument("no mailbox \(url.message.mailbox.name) here"))
                }
                let key = try await store.urlAuthKey(of: user.accountID, mailbox: mailbox.id, creatingWith: URLAuthToken.newKey())
                out.append(url.rump + ":internal:" + URLAuthToken.token(rump: url.rump, key: key))
            }
            return .done(tag: tag, IMAPCompletion(untagged: [.data(.genURLAuth(out))], text: "GENURLAUTH completed"))
        } catch {
            return .failed(tag: tag, .unavailable("generate URLAUTH URLs"))
        }
    }
}

/// The INTERNAL mechanism (RFC 4467 §2.4.1): "01" (this algorithm's number, so that another can
/// follow, as §2.4.1 asks) and the hex HMAC-SHA1 of the rump URL under the mailbox access key:
/// 42 hex digits, at least the 32 §3 asks for.
enum URLAuthToken {
    static let version: UInt8 = 1

    /// §2.2: at least 128 bits of entropy, unpredictable (the system's CSPRNG).
    static func newKey() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    static func token(rump: String, key: [UInt8]) -> String {
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Array(rump.utf8), using: SymmetricKey(data: key))
        return ([version] + Array(mac)).map { byte in
            let hex = Array("0123456789abcdef".utf8)
            return String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
        }.joined()
    }

    /// §6: the token must be the one computed over the rump URL; compared in constant time.
    /// Without a key (no such user or mailbox, or none made), a random one is used so the
    /// answer takes as long and fails.
    static func verify(_ token: [UInt8], rump: String, key: [UInt8]?) -> Bool {
        let mac = Array(token.dropFirst())
        let valid = HMAC<Insecure.SHA1>.isValidAuthenticationCode(mac, authenticating: Array(rump.utf8),
                                                                  using: SymmetricKey(data: key ?? newKey()))
        return valid && key != nil && token.first == version
    }
}
