import Foundation
import IMAPProtocol
import MailCore
import MailMessage
import MailStore

extension IMAPStepRunner {
    /// RFC 4467 §7 URLFETCH: each URL's data, or NIL when the URL fails any check (§8: "NIL if
    /// the URL is invalid for any reason"); the command itself is OK. RFC 5524's extended form
    /// returns the asked metadata instead. Data of one command beyond `limits.maxLiteralSize`
    /// is `NO [LIMIT]`; a store failure is `NO [UNAVAILABLE]` (§7: "may be resolved on later retry").
    func urlFetch(_ tag: String, _ requests: [IMAPURLFetchRequest], _ user: AuthenticatedUser) async -> IMAPStepResult {
        let limit = configuration.limits.maxLiteralSize
        var total = 0
        var results: [IMAPURLFetchResult] = []
        do {
            for request in requests {
                let resolved = try await resolveAuthorized(request.url, for: user)
                let value: IMAPURLFetchResult.Value
                // RFC 5524 §3: no parameters is RFC 4467's URLFETCH.
                if let resolved, let parameters = request.parameters, !parameters.isEmpty {
                    value = Self.extended(parameters, resolved, limits: configuration.messageLimits).map { .extended($0) } ?? .simple(nil)
                } else {
                    value = .simple(resolved.flatMap { Self.urlData($0.url, message: $0.message, body: $0.body, limits: configuration.messageLimits) }
                        .map(Array.init))
                }
                total += Self.size(value)
                guard total <= limit else { return .failed(tag: tag, .urlFetchTooLarge(limit: limit)) }
                results.append(IMAPURLFetchResult(url: request.url, value: value))
            }
        } catch {
            logger.error("URLFETCH read failed", metadata: ["error": "\(error)"])
            return .failed(tag: tag, .unavailable("fetch URLs"))
        }
        return .done(tag: tag, IMAPCompletion(untagged: [.data(.urlFetch(results))], text: "URLFETCH completed"))
    }

    struct AuthorizedMessage {
        var url: IMAPMessageURL
        var message: StoredMessage
        var body: [UInt8]
    }

    /// The message a URLAUTH-authorized URL names, when every check passes (§6, §3): a URL of
    /// at most `limits.imap_urlauth_max_url_length` octets, mechanism INTERNAL, not expired,
    /// an access identifier this session meets, a token made with the owner's key for that
    /// mailbox, the UIDVALIDITY if given, and a message with that UID. nil otherwise.
    ///
    /// Access: `anonymous` and `authuser` pass (every session here is logged in); `user+name`
    /// only for that user; `submit+name` for no one, since no session here is a submission
    /// entity (RFC 4468 BURL is not offered).
    func resolveAuthorized(_ raw: String, for user: AuthenticatedUser) async throws -> AuthorizedMessage? {
        guard raw.utf8.count <= configuration.urlAuthMaxURLLength, let url = IMAPURL.parseAuthorized(raw, full: true),
              url.mechanism == "INTERNAL", let token = url.token else { return nil }
        if let expire = url.expire, Date().timeIntervalSince1970 > expire { return nil }
        switch url.access {
        case .anonymous, .authuser: break
        case .user(let name): guard (try? EmailAddress(name)) == user.address else { return nil }
        case .submit: return nil
        }
        // §6: the token is computed whether or not the mailbox can be identified.
        var key: [UInt8]?
        var mailbox: (id: MailboxID, uidValidity: UInt32)?
        if let owner = try? EmailAddress(url.owner), let account = try await store.account(owner),
           let found = try await store.mailbox(of: account.id, named: url.message.mailbox.name) {
            mailbox = (found.id, found.uidValidity)
            key = try await store.urlAuthKey(of: account.id, mailbox: found.id)
        }
        guard URLAuthToken.verify(token, rump: url.rump, key: key), let mailbox,
              url.message.uidValidity.map({ $0 == mailbox.uidValidity }) ?? true,
              let message = try await store.message(in: mailbox.id, uid: url.message.uid) else { return nil }
        return AuthorizedMessage(url: url.message, message: message, body: try await store.readBody(message.body))
    }

    /// RFC 5524 §3.2, in the order asked. BODY is what the simple form returns; BINARY is the
    /// part with its Content-Transfer-Encoding undone (NIL when it cannot be, §3.2), or, for a
    /// HEADER/TEXT/MIME section (no encoding of its own), the octets as they are; the partial
    /// applies to what is returned. BODYPARTSTRUCTURE is the part's structure (the whole
    /// message's without a section), with encoding "BINARY" and the decoded size when BINARY
    /// undid an encoding; a section that is not a part has none, and the URL is then NIL.
    static func extended(_ parameters: [IMAPURLFetchParameter], _ resolved: AuthorizedMessage, limits: MessageLimits) -> [IMAPURLMetadata]? {
        let url = resolved.url
        let section = url.section ?? .whole
        var binary: [UInt8]??
        if parameters.contains(.binary) {
            if section.text == nil {
                var sections = FetchSections(bytes: resolved.body, limits: limits) {
                    StoredSummary.summary(of: resolved.message, body: resolved.body, limits: limits)
                }
                switch sections.binary(section.part) {
                case .missing: return nil
                case .unknownEncoding: binary = .some(nil)
                case .data(let data): binary = .some(Array(partial(url.partial, data[...])))
                }
            } else {
                guard let data = urlData(url, message: resolved.message, body: resolved.body, limits: limits) else { return nil }
                binary = .some(Array(data))
            }
        }
        var items: [IMAPURLMetadata] = []
        for parameter in parameters {
            switch parameter {
            case .body:
                guard let data = urlData(url, message: resolved.message, body: resolved.body, limits: limits) else { return nil }
                items.append(.body(Array(data)))
            case .binary:
                items.append(.binary(binary ?? nil))
            case .bodyPartStructure:
                guard section.text == nil,
                      let whole = StoredSummary.summary(of: resolved.message, body: resolved.body, limits: limits)?.bodyStructure,
                      var part = Self.structure(whole, at: section.part) else { return nil }
                if case .some(.some(let decoded)) = binary, case .singlePart(var single) = part,
                   ["BASE64", "QUOTED-PRINTABLE"].contains(single.encoding.uppercased()), url.partial == nil {
                    single.encoding = "BINARY"
                    single.octets = decoded.count
                    part = .singlePart(single)
                }
                items.append(.bodyPartStructure(IMAPBodyStructure(part)))
            }
        }
        return items
    }

    /// The structure of part `path` (RFC 9051 §6.4.5 numbering): a multipart's n-th part; inside
    /// a message/rfc822 part, the parts of its message; part 1 of a single-part message is its body.
    static func structure(_ top: BodyStructure, at path: [Int]) -> BodyStructure? {
        var current = top
        for (depth, n) in path.enumerated() {
            switch current {
            case .multipart(let m):
                guard n >= 1, n <= m.parts.count else { return nil }
                current = m.parts[n - 1]
            case .singlePart(let p):
                if depth > 0, let message = p.message {
                    if case .multipart(let m) = message.body {
                        guard n >= 1, n <= m.parts.count else { return nil }
                        current = m.parts[n - 1]
                    } else {
                        guard n == 1 else { return nil }
                        current = message.body
                    }
                } else {
                    guard n == 1, depth == 0 else { return nil }
                }
            }
        }
        return current
    }

    static func partial(_ partial: IMAPURLPartial?, _ data: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard let partial else { return data }
        let start = min(data.count, Int(partial.offset))
        return data.dropFirst(start).prefix(partial.length.map { Int($0) } ?? data.count)
    }

    static func size(_ value: IMAPURLFetchResult.Value) -> Int {
        switch value {
        case .simple(let data): data?.count ?? 0
        case .extended(let items):
            items.reduce(0) { sum, item in
                switch item {
                case .body(let data), .binary(let data): sum + (data?.count ?? 0)
                case .bodyPartStructure: sum + 1024
                }
            }
        }
    }
}
