import Foundation
import IMAPProtocol
import MailMessage
import MailStore
import ServerRuntime

extension IMAPSession {
    /// RFC 9051 §6.3.12 with RFC 3502 MULTIAPPEND and RFC 4315 APPENDUID. Literal sizes were
    /// already checked against the size limit and the quota before the client sent the octets
    /// (`decideLiteral`); the store checks the quota again, atomically.
    mutating func append(_ tag: String, _ name: IMAPMailboxName, _ messages: [IMAPAppendMessage],
                         _ user: AuthenticatedUser) -> [IMAPAction] {
        let limit = settings.limits.maxLiteralSize
        guard !messages.contains(where: { $0.data.readableBytes > limit }) else { return fail(tag, .messageTooLarge(limit: limit)) }
        guard !messages.contains(where: { $0.data.readableBytes == 0 }) else { return fail(tag, .emptyMessage) }
        // RFC 3516 §4.3: only literal8 may carry NUL octets.
        guard !messages.contains(where: { !$0.binary && $0.data.readableBytesView.contains(0) }) else {
            return fail(tag, .nulInMessage)
        }
        let requests = messages.map { message in
            AppendRequest(
                bytes: Array(message.data.readableBytesView),
                flags: MessageFlags(names: message.flags.filter { $0.caseInsensitiveCompare("\\Recent") != .orderedSame }),
                internalDate: message.internalDate.map { Date(timeIntervalSince1970: TimeInterval($0.secondsSince1970)) } ?? Date())
        }
        let recent = state.selected.flatMap { selected in selected.recentMode.map { (selected.mailbox.id, $0) } }
        return run(.append(tag: tag, name, requests, user, recent: recent))
    }
}

extension IMAPStepRunner {
    func append(_ tag: String, _ name: IMAPMailboxName, _ requests: [AppendRequest], _ user: AuthenticatedUser,
                recent: (MailboxID, RecentMode)?) async -> IMAPStepResult {
        do {
            guard let mailbox = try await store.mailbox(of: user.accountID, named: name.name) else {
                // RFC 9051 §6.3.12: [TRYCREATE] when the mailbox could be created.
                return .failed(tag: tag, .noSuchMailbox(.tryCreate))
            }
            // MULTIAPPEND is all or nothing (RFC 3502 §6.3.11): undo earlier ones on failure.
            var results: [AppendResult] = []
            do {
                for var request in requests {
                    // Only a literal8 can carry NUL here (`append` refuses it elsewhere). RFC 3516
                    // §4.4: its parts with NUL are kept in base64, so BODY[n] can send them (RFC
                    // 9051 §4.3 allows NUL only in BINARY's literal8); BINARY[n] decodes them back.
                    if request.bytes.contains(0), let textual = BinaryContent.textualized(request.bytes, limits: configuration.messageLimits) {
                        request.bytes = textual
                    }
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
            // What this session took: from the first unclaimed UID up to each new one (messages
            // delivered meanwhile that it has not heard of yet included). EXAMINE only looks.
            var recentUIDs: [UInt32] = []
            if let (selected, mode) = recent, selected == mailbox.id {
                switch mode {
                case .claim:
                    for result in results { if let first = result.recentFrom, first <= result.uid { recentUIDs += Array(first...result.uid) } }
                case .peek:
                    let first = try await store.claimRecent(in: mailbox.id, through: nil)
                    recentUIDs = results.map(\.uid).filter { $0 >= first }
                }
            }
            return .appended(tag: tag, mailbox.id, appended,
                             code: .appendUID(uidValidity: validity, uids: UIDSet.make(results.map(\.uid))), recent: recentUIDs)
        } catch let error as MailStoreError {
            return .failed(tag: tag, .store(error))
        } catch {
            logger.error("APPEND failed", metadata: ["error": "\(LogSafe.escaped("\(error)"))"])
            return .failed(tag: tag, .unavailable("store the message"))
        }
    }
}
