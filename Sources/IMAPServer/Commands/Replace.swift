import IMAPProtocol
import MailStore
import ServerRuntime

extension IMAPSession {
    /// RFC 8508 REPLACE / UID REPLACE (selected state only, §3.5): the message is appended to the
    /// named mailbox and the given one expunged from the selected mailbox as one action (§3.4).
    /// The message data is checked as APPEND's is (with CATENATE, §4.2).
    mutating func replace(_ tag: String, _ number: IMAPSequenceNumber, _ name: IMAPMailboxName, _ message: IMAPAppendMessage,
                          uid: Bool, _ selected: SelectedMailbox, _ user: AuthenticatedUser) -> [IMAPAction] {
        guard !selected.readOnly else { return fail(tag, .readOnly) }
        let old: UInt32
        switch (number, uid) {
        case (.number(let n), false):
            // RFC 9051 §6.4.8 / §7.1.3: a message sequence number above EXISTS is BAD.
            guard let found = selected.uid(at: n) else { return fail(tag, .sequenceOutOfRange) }
            old = found
        case (.last, false):
            guard let found = selected.uid(at: selected.count) else { return fail(tag, .sequenceOutOfRange) }
            old = found
        case (.number(let n), true):
            guard selected.sequenceNumber(of: n) != nil else { return fail(tag, .noMessageToReplace) }
            old = n
        case (.last, true):
            guard selected.count > 0 else { return fail(tag, .noMessageToReplace) }
            old = selected.largestUID
        }
        let source: AppendSource
        switch appendSource(message) {
        case .success(let made): source = made
        case .failure(let failure): return fail(tag, failure)
        }
        return run(.replace(tag: tag, selected.mailbox.id, uid: old, name, source, user, recent: selected.recentMode))
    }

    /// RFC 8508 §4.3: APPENDUID in an untagged OK before the EXISTS and EXPUNGE (the example of
    /// §3.2 has this order: the new message's EXISTS, then the old one's EXPUNGE); with
    /// CONDSTORE the tagged OK carries HIGHESTMODSEQ, as UID EXPUNGE's does (§4.5).
    mutating func replaced(_ tag: String, _ outcome: ReplaceOutcome) -> [IMAPAction] {
        var responses: [IMAPResponse] = [.status(tag: nil, .ok, code: outcome.code, text: "Replacement Message ready")]
        if let selected = state.selected, selected.mailbox.id == outcome.target {
            selected.markRecent(outcome.recent)
            selected.noteOwnAppends([outcome.appended])
            responses += pendingUpdates(allowExpunge: true)
        }
        return send(responses) + expunged(tag, [outcome.removed], modSeq: outcome.modSeq, verb: "REPLACE")
    }
}

/// What REPLACE did, for the session's reply.
struct ReplaceOutcome: Sendable {
    var target: MailboxID
    var appended: AppendedMessage
    var code: IMAPResponseCode
    var recent: [UInt32]
    var removed: UInt32
    var modSeq: UInt64?
}

extension IMAPStepRunner {
    func replace(_ tag: String, _ source: MailboxID, uid: UInt32, _ name: IMAPMailboxName, _ message: AppendSource,
                 _ user: AuthenticatedUser, recent: RecentMode?) async -> IMAPStepResult {
        do {
            guard let target = try await store.mailbox(of: user.accountID, named: name.name) else {
                return .failed(tag: tag, .noSuchMailbox(.tryCreate))
            }
            var request: AppendRequest
            switch await self.request(for: message, user) {
            case .success(let made): request = made
            case .failure(let failure): return .failed(tag: tag, failure)
            }
            if target.id == source, recent == .claim { request.claimsRecent = true }
            let result = try await store.replace(uid: uid, in: source, with: request, to: target.id)
            let recentUIDs = try await recentClaimed([result.appended], in: target.id, recent: recent.map { (source, $0) })
            let modSeq = try await store.mailbox(id: source)?.highestModSeq
            return .replaced(tag: tag, ReplaceOutcome(
                target: target.id, appended: (result.appended.uid, result.appended.modSeq, request.flags),
                code: .appendUID(uidValidity: result.appended.uidValidity, uids: UIDSet.make([result.appended.uid])),
                recent: recentUIDs, removed: uid, modSeq: modSeq))
        } catch MailStoreError.messageNotFound {
            // Expunged by another session meanwhile: nothing was appended either (§3.4).
            return .failed(tag: tag, .noMessageToReplace)
        } catch let error as MailStoreError {
            return .failed(tag: tag, .store(error))
        } catch {
            logger.error("REPLACE failed", metadata: ["error": "\(LogSafe.escaped("\(error)"))"])
            return .failed(tag: tag, .unavailable("replace the message"))
        }
    }
}
