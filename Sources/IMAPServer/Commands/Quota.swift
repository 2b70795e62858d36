import IMAPProtocol
import MailStore

/// RFC 9208 QUOTA from the account's quota: one root, "", covering every mailbox of the account.
/// STORAGE is in units of 1024 octets (§5.1), MESSAGE counts messages.
extension IMAPStepRunner {
    func getQuota(_ tag: String, _ user: AuthenticatedUser) async -> IMAPStepResult {
        guard let resources = (try? await store.account(id: user.accountID)).flatMap(Self.resources) else {
            return .failed(tag: tag, .noQuota)
        }
        return .done(tag: tag, IMAPCompletion(untagged: [.data(.quota(root: "", resources))], text: "GETQUOTA completed"))
    }

    func getQuotaRoot(_ tag: String, _ name: IMAPMailboxName, _ user: AuthenticatedUser) async -> IMAPStepResult {
        let exists = (try? await store.mailbox(of: user.accountID, named: name.name)) != nil
        let account = try? await store.account(id: user.accountID)
        let resources = account.flatMap(Self.resources)
        guard exists else { return .failed(tag: tag, .noSuchMailbox(.nonExistent)) }
        var responses: [IMAPResponse] = [.data(.quotaRoot(name, roots: resources == nil ? [] : [""]))]
        if let resources { responses.append(.data(.quota(root: "", resources))) }
        return .done(tag: tag, IMAPCompletion(untagged: responses, text: "GETQUOTAROOT completed"))
    }

    /// nil when the account has no limit at all (RFC 9208 §4.3: no QUOTAROOT roots then).
    static func resources(_ account: Account) -> [IMAPQuotaResource]? {
        var out: [IMAPQuotaResource] = []
        if let bytes = account.quota.maxBytes {
            out.append(IMAPQuotaResource(name: "STORAGE", usage: UInt64(max(0, account.usage.bytes)) / 1024,
                                         limit: UInt64(max(0, bytes)) / 1024))
        }
        if let messages = account.quota.maxMessages {
            out.append(IMAPQuotaResource(name: "MESSAGE", usage: UInt64(max(0, account.usage.messages)), limit: UInt64(max(0, messages))))
        }
        return out.isEmpty ? nil : out
    }
}
