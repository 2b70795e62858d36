import Foundation
import IMAPProtocol
import MailStore
import NIOCore
import ServerRuntime

extension IMAPSessionHandler {
    /// RFC 9051 §6.3.12 with RFC 3502 MULTIAPPEND and RFC 4315 APPENDUID. Literal sizes were
    /// already checked against the size limit and the quota before the client sent the octets
    /// (`decideLiteral`); the store checks the quota again, atomically.
    func append(_ tag: String, _ name: IMAPMailboxName, _ messages: [IMAPAppendMessage], _ user: AuthenticatedUser,
                _ context: ChannelHandlerContext) {
        let limit = server.configuration.limits.maxLiteralSize
        guard !messages.contains(where: { $0.data.readableBytes > limit }) else {
            return no(tag, "message larger than the limit of \(limit) octets", code: .tooBig, context)
        }
        guard !messages.contains(where: { $0.data.readableBytes == 0 }) else {
            return bad(tag, "empty message", context)
        }
        // RFC 3516 §4.3: only literal8 may carry NUL octets.
        guard !messages.contains(where: { !$0.binary && $0.data.readableBytesView.contains(0) }) else {
            return bad(tag, "NUL in a message literal; use ~{n} (BINARY)", context)
        }
        let requests = messages.map { message in
            AppendRequest(
                bytes: Array(message.data.readableBytesView),
                flags: MessageFlags(names: message.flags.filter { $0.caseInsensitiveCompare("\\Recent") != .orderedSame }),
                internalDate: message.internalDate.map { Date(timeIntervalSince1970: TimeInterval($0.secondsSince1970)) } ?? Date())
        }
        let store = server.store, logger = self.logger
        perform(context) {
            do {
                guard let mailbox = try await store.mailbox(of: user.accountID, named: name.name) else {
                    // RFC 9051 §6.3.12: [TRYCREATE] when the mailbox could be created.
                    return { handler, context in handler.no(tag, "no such mailbox", code: .tryCreate, context) }
                }
                // MULTIAPPEND is all or nothing (RFC 3502 §6.3.11): undo earlier ones on failure.
                var results: [AppendResult] = []
                do {
                    for request in requests { results.append(try await store.append(request, to: mailbox.id)) }
                } catch {
                    if !results.isEmpty { _ = try? await store.expunge(in: mailbox.id, uids: results.map(\.uid)) }
                    throw error
                }
                let uids = results.map(\.uid)
                let validity = results.first?.uidValidity ?? mailbox.uidValidity
                let appended = zip(results, requests).map { (uid: $0.uid, modSeq: $0.modSeq, flags: $1.flags) }
                return { handler, context in
                    if let selected = handler.state.selected, selected.mailbox.id == mailbox.id {
                        selected.noteOwnAppends(appended)
                    }
                    handler.finish(tag, code: .appendUID(uidValidity: validity, uids: UIDSet.make(uids)), "APPEND completed", context)
                }
            } catch let error as MailStoreError {
                return { handler, context in handler.storeFailure(tag, error, context) }
            } catch {
                logger.error("APPEND failed", metadata: ["error": "\(LogSafe.escaped("\(error)"))"])
                return { handler, context in handler.no(tag, "cannot store the message now", code: .unavailable, context) }
            }
        }
    }
}
