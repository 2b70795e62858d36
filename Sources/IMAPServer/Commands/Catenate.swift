import IMAPProtocol
import MailMessage
import MailStore

extension IMAPStepRunner {
    /// RFC 4469 §3: the parts joined in order. A URL part is "the octets of the body part pointed
    /// to by that URL ..., as if the literal returned in a FETCH BODY response were put in place"
    /// (BODY[section], never BINARY; \Seen is not set). Relative URLs name this user's messages;
    /// an absolute URL must carry a URLAUTH that URLFETCH would accept (RFC 4467). A URL that names nothing, in a mailbox that
    /// does not exist or whose UIDVALIDITY differs, or a section the message does not have, is
    /// `NO [BADURL url]` (§4.1); a result over the message size limit is `NO [TOOBIG]` (§4.2),
    /// found before the part that would pass it is read whole where its size is known.
    func catenate(_ parts: [AppendPart], _ user: AuthenticatedUser) async -> Result<[UInt8], IMAPFailure> {
        let limit = configuration.limits.maxLiteralSize
        var out: [UInt8] = []
        var mailboxes: [IMAPMailboxName: (id: MailboxID, uidValidity: UInt32)?] = [:]
        for part in parts {
            switch part {
            case .bytes(let bytes):
                out += bytes
            case .url(let raw, let parsed):
                guard let url = parsed else {
                    // §3: a URLAUTH-authorized URL (RFC 4467) is validated as URLFETCH does.
                    do {
                        guard let resolved = try await resolveAuthorized(raw, for: user),
                              let data = Self.urlData(resolved.url, message: resolved.message, body: resolved.body,
                                                      limits: configuration.messageLimits) else { return .failure(.badURL(raw)) }
                        out += data
                    } catch {
                        logger.error("CATENATE URL read failed", metadata: ["error": "\(error)"])
                        return .failure(.unavailable("read a CATENATE URL"))
                    }
                    guard out.count <= limit else { return .failure(.messageTooLarge(limit: limit)) }
                    continue
                }
                do {
                    if mailboxes.index(forKey: url.mailbox) == nil {
                        let found = try await store.mailbox(of: user.accountID, named: url.mailbox.name)
                        mailboxes[url.mailbox] = found.map { (id: $0.id, uidValidity: $0.uidValidity) }
                    }
                    guard let mailbox = mailboxes[url.mailbox] ?? nil, url.uidValidity.map({ $0 == mailbox.uidValidity }) ?? true,
                          let message = try await store.message(in: mailbox.id, uid: url.uid) else { return .failure(.badURL(raw)) }
                    if url.section == nil, url.partial == nil, out.count + Int(message.size) > limit { return .failure(.messageTooLarge(limit: limit)) }
                    let body = try await store.readBody(message.body)
                    guard let data = Self.urlData(url, message: message, body: body, limits: configuration.messageLimits) else {
                        return .failure(.badURL(raw))
                    }
                    out += data
                } catch {
                    logger.error("CATENATE URL read failed", metadata: ["error": "\(error)"])
                    return .failure(.unavailable("read a CATENATE URL"))
                }
            }
            guard out.count <= limit else { return .failure(.messageTooLarge(limit: limit)) }
        }
        return .success(out)
    }

    /// BODY[section] of the message, then `;PARTIAL=offset.length` of that (RFC 5092 §5: like
    /// FETCH's `<offset.length>`, an offset past the end gives nothing). nil: no such section.
    static func urlData(_ url: IMAPMessageURL, message: StoredMessage, body: [UInt8], limits: MessageLimits) -> ArraySlice<UInt8>? {
        var sections = FetchSections(bytes: body, limits: limits) { StoredSummary.summary(of: message, body: body, limits: limits) }
        guard var data = sections.data(url.section ?? .whole) else { return nil }
        if let partial = url.partial {
            let start = min(data.count, Int(partial.offset))
            let length = partial.length.map { Int($0) } ?? data.count
            data = data.dropFirst(start).prefix(length)
        }
        return data
    }
}
