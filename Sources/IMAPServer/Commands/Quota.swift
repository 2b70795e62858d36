import IMAPProtocol
import MailStore
import NIOCore

/// RFC 9208 QUOTA from the account's quota: one root, "", covering every mailbox of the account.
/// STORAGE is in units of 1024 octets (§5.1), MESSAGE counts messages.
extension IMAPSessionHandler {
    func getQuota(_ tag: String, _ root: String, _ user: AuthenticatedUser, _ context: ChannelHandlerContext) {
        guard root.isEmpty else { return no(tag, "no such quota root", code: .nonExistent, context) }
        loadQuota(user, context) { handler, resources, context in
            guard let resources else { return handler.no(tag, "no quota is set for this account", code: .nonExistent, context) }
            handler.send(context, .data(.quota(root: "", resources)))
            handler.finish(tag, "GETQUOTA completed", context)
        }
    }

    func getQuotaRoot(_ tag: String, _ name: IMAPMailboxName, _ user: AuthenticatedUser, _ context: ChannelHandlerContext) {
        let store = server.store
        perform(context) {
            let exists = (try? await store.mailbox(of: user.accountID, named: name.name)) != nil
            let account = try? await store.account(id: user.accountID)
            let resources = account.flatMap(Self.resources)
            return { handler, context in
                guard exists else { return handler.no(tag, "no such mailbox", code: .nonExistent, context) }
                var responses: [IMAPResponse] = [.data(.quotaRoot(name, roots: resources == nil ? [] : [""]))]
                if let resources { responses.append(.data(.quota(root: "", resources))) }
                handler.send(context, responses)
                handler.finish(tag, "GETQUOTAROOT completed", context)
            }
        }
    }

    private func loadQuota(_ user: AuthenticatedUser, _ context: ChannelHandlerContext,
                           _ then: @escaping @Sendable (IMAPSessionHandler, [IMAPQuotaResource]?, ChannelHandlerContext) -> Void) {
        let store = server.store
        perform(context) {
            let resources = (try? await store.account(id: user.accountID)).flatMap(Self.resources)
            return { handler, context in then(handler, resources, context) }
        }
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
