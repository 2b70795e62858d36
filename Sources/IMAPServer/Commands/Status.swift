import IMAPProtocol
import MailStore

extension IMAPStepRunner {
    /// RFC 9051 §6.3.11 (with RFC 8438 SIZE, RFC 7162 HIGHESTMODSEQ, RFC 7889 APPENDLIMIT).
    func status(_ tag: String, _ name: IMAPMailboxName, _ attributes: [IMAPStatusAttribute], _ user: AuthenticatedUser) async
        -> IMAPStepResult {
        let appendLimit = configuration.limits.maxLiteralSize
        do {
            guard let mailbox = try await store.mailbox(of: user.accountID, named: name.name) else {
                return .failed(tag: tag, .noSuchMailbox(.nonExistent))
            }
            let status = try await store.status(mailbox.id)
            let values = attributes.map { IMAPStatusValue($0, status.value(of: $0, appendLimit: appendLimit)) }
            return .done(tag: tag, IMAPCompletion(untagged: [.data(.status(IMAPMailboxName(mailbox.name), values))],
                                                  text: "STATUS completed"))
        } catch {
            return .failed(tag: tag, .unavailable("read the mailbox status"))
        }
    }
}

extension MailboxStatus {
    func value(of attribute: IMAPStatusAttribute, appendLimit: Int) -> UInt64 {
        switch attribute {
        case .messages: UInt64(messages)
        case .uidNext: UInt64(mailbox.uidNext)
        case .uidValidity: UInt64(mailbox.uidValidity)
        case .unseen: UInt64(unseen)
        case .deleted: UInt64(deleted)
        case .size: UInt64(max(0, bytes))
        // RFC 3501 §6.3.10: the messages no session has been told about yet (`claimRecent`).
        case .recent: UInt64(recent)
        case .highestModSeq: mailbox.highestModSeq
        case .appendLimit: UInt64(appendLimit)
        case .mailboxID: UInt64(mailbox.uidValidity)  // written as IMAPObjectID.mailbox (RFC 8474 §4.2)
        }
    }
}
