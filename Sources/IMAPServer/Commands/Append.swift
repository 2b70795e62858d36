import Foundation
import IMAPProtocol
import MailMessage
import MailStore
import ServerRuntime

extension IMAPSession {
    /// RFC 9051 §6.3.12 with RFC 3502 MULTIAPPEND, RFC 4315 APPENDUID and RFC 4469 CATENATE.
    /// Literal sizes were already checked against the size limit and the quota before the client
    /// sent the octets (`decideLiteral`); the store checks the quota again, atomically.
    mutating func append(_ tag: String, _ name: IMAPMailboxName, _ messages: [IMAPAppendMessage],
                         _ user: AuthenticatedUser) -> [IMAPAction] {
        var sources: [AppendSource] = []
        for message in messages {
            switch appendSource(message) {
            case .success(let source): sources.append(source)
            case .failure(let failure): return fail(tag, failure)
            }
        }
        let recent = state.selected.flatMap { selected in selected.recentMode.map { (selected.mailbox.id, $0) } }
        return run(.append(tag: tag, name, sources, user, recent: recent))
    }

    /// One message's data checked before any store work: its size, NUL only in a literal8 (RFC
    /// 3516 §4.3), and for CATENATE (RFC 4469) the number of URLs; each URL is parsed relative to
    /// the selected mailbox (§3).
    func appendSource(_ message: IMAPAppendMessage) -> Result<AppendSource, IMAPFailure> {
        let limit = settings.limits.maxLiteralSize
        var parts: [AppendPart] = []
        if let catenate = message.catenate {
            var textSize = 0, urls = 0
            let base = state.selected.map { IMAPMailboxName($0.mailbox.name) }
            for part in catenate {
                switch part {
                case .text(let data):
                    textSize += data.readableBytes
                    parts.append(.bytes(Array(data.readableBytesView)))
                case .url(let url):
                    urls += 1
                    guard urls <= settings.maxCatenateURLs else { return .failure(.tooManyURLs(limit: settings.maxCatenateURLs)) }
                    // One that does not parse is BADURL when its turn comes: the code names the
                    // first URL that made the command fail (RFC 4469 §4.1).
                    parts.append(.url(url, IMAPURL.parse(url, selectedMailbox: base)))
                }
            }
            guard textSize <= limit else { return .failure(.messageTooLarge(limit: limit)) }
        } else {
            guard message.data.readableBytes <= limit else { return .failure(.messageTooLarge(limit: limit)) }
            guard message.data.readableBytes > 0 else { return .failure(.emptyMessage) }
            // memchr and one copy: a generic walk over `readableBytesView` cost about 5
            // instructions per octet of every APPEND (docs/PERFORMANCE.md 2026-12-06 night).
            let literal = message.data.withUnsafeReadableBytes { Array($0.bindMemory(to: UInt8.self)) }
            guard message.binary || !Self.containsNUL(literal) else { return .failure(.nulInMessage) }
            parts = [.bytes(literal)]
        }
        return .success(AppendSource(
            flags: MessageFlags(names: message.flags.filter { !Self.isRecent($0) }),
            internalDate: message.internalDate.map { Date(timeIntervalSince1970: TimeInterval($0.secondsSince1970)) } ?? Date(),
            parts: parts))
    }
}

extension IMAPSession {
    /// `\Recent`, case-insensitively (RFC 9051 §2.3.2: a client cannot set it); ASCII spellings
    /// without Foundation's comparison (see `SystemFlags.named`).
    static func isRecent(_ flag: String) -> Bool {
        guard flag.utf8.allSatisfy({ $0 < 0x80 }) else { return flag.caseInsensitiveCompare("\\Recent") == .orderedSame }
        return SystemFlags.equalsIgnoringASCIICase(flag, "\\Recent")
    }

    static func containsNUL(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in raw.count > 0 && memchr(raw.baseAddress!, 0, raw.count) != nil }
    }
}

/// An APPEND or REPLACE message before the store: its literal, or the CATENATE parts to join.
struct AppendSource: Sendable {
    var flags: MessageFlags
    var internalDate: Date
    var parts: [AppendPart]
}

enum AppendPart: Sendable {
    case bytes([UInt8])
    /// The URL as the client sent it (for BADURL) and what it names (nil: not a URL we can use).
    case url(String, IMAPMessageURL?)
}

extension IMAPStepRunner {
    func append(_ tag: String, _ name: IMAPMailboxName, _ sources: [AppendSource], _ user: AuthenticatedUser,
                recent: (MailboxID, RecentMode)?) async -> IMAPStepResult {
        do {
            guard let mailbox = try await store.mailbox(of: user.accountID, named: name.name) else {
                // RFC 9051 §6.3.12: [TRYCREATE] when the mailbox could be created.
                return .failed(tag: tag, .noSuchMailbox(.tryCreate))
            }
            var requests: [AppendRequest] = []
            for source in sources {
                switch await request(for: source, user) {
                case .success(let request): requests.append(request)
                case .failure(let failure): return .failed(tag: tag, failure)
                }
            }
            // MULTIAPPEND is all or nothing (RFC 3502 §6.3.11): undo earlier ones on failure.
            var results: [AppendResult] = []
            do {
                for var request in requests {
                    // RFC 3501 §6.3.11: into the selected mailbox the message is \Recent for this
                    // session; taken in the append's own transaction, before other sessions hear.
                    if let (selected, mode) = recent, selected == mailbox.id, mode == .claim { request.claimsRecent = true }
                    results.append(try await store.append(request, to: mailbox.id))
                }
            } catch {
                if !results.isEmpty { _ = try? await store.expunge(in: mailbox.id, uids: results.map(\.uid)) }
                throw error
            }
            let validity = results.first?.uidValidity ?? mailbox.uidValidity
            let appended = zip(results, requests).map { AppendedMessage(uid: $0.uid, modSeq: $0.modSeq, flags: $1.flags) }
            let recentUIDs = try await recentClaimed(results, in: mailbox.id, recent: recent)
            return .appended(tag: tag, mailbox.id, appended,
                             code: .appendUID(uidValidity: validity, uids: UIDSet.make(results.map(\.uid))), recent: recentUIDs)
        } catch let error as MailStoreError {
            return .failed(tag: tag, .store(error))
        } catch {
            logger.error("APPEND failed", metadata: ["error": "\(LogSafe.escaped("\(error)"))"])
            return .failed(tag: tag, .unavailable("store the message"))
        }
    }

    /// What this session took as \Recent (RFC 3501 §2.3.2) with messages it appended into its
    /// selected mailbox: from the first unclaimed UID up to each new one (messages delivered
    /// meanwhile that it has not heard of yet included). EXAMINE only looks.
    func recentClaimed(_ results: [AppendResult], in mailbox: MailboxID, recent: (MailboxID, RecentMode)?) async throws -> [UInt32] {
        guard let (selected, mode) = recent, selected == mailbox else { return [] }
        switch mode {
        case .claim:
            var uids: [UInt32] = []
            for result in results { if let first = result.recentFrom, first <= result.uid { uids += Array(first...result.uid) } }
            return uids
        case .peek:
            let first = try await store.claimRecent(in: mailbox, through: nil)
            return results.map(\.uid).filter { $0 >= first }
        }
    }

    /// The message octets: the literal, or the CATENATE parts joined (RFC 4469 §3). Only a
    /// literal8 can carry NUL here (`appendSource` refuses it elsewhere). RFC 3516 §4.4: its
    /// parts with NUL are kept in base64, so BODY[n] can send them (RFC 9051 §4.3 allows NUL
    /// only in BINARY's literal8); BINARY[n] decodes them back.
    func request(for source: AppendSource, _ user: AuthenticatedUser) async -> Result<AppendRequest, IMAPFailure> {
        var bytes: [UInt8]
        if source.parts.count == 1, case .bytes(let literal) = source.parts[0] {
            bytes = literal
        } else {
            switch await catenate(source.parts, user) {
            case .success(let joined): bytes = joined
            case .failure(let failure): return .failure(failure)
            }
        }
        guard !bytes.isEmpty else { return .failure(.emptyMessage) }
        if IMAPSession.containsNUL(bytes), let textual = BinaryContent.textualized(bytes, limits: configuration.messageLimits) { bytes = textual }
        return .success(AppendRequest(bytes: bytes, flags: source.flags, internalDate: source.internalDate))
    }
}
