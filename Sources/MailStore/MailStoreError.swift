/// Store failures a client can act on. `description` is safe for users and logs.
public enum MailStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case domainExists(String)
    case domainNotFound(String)
    case domainInUse(String, accounts: Int, aliases: Int)
    case accountExists(String)
    case accountNotFound(String)
    case aliasExists(String)
    case aliasNotFound(String)
    case aliasShadowsAccount(String)
    case mailboxExists(String)
    case mailboxNotFound(String)
    case invalidMailboxName(String, String)
    case cannotDeleteInbox
    case quotaExceeded(String)
    case messageTooLarge(Int, limit: Int)
    case messageNotFound(UInt32)
    case bodyMissing(String)
    case queueMessageNotFound(Int64)
    case noRecipients
    case dkimKeyExists(String, selector: String)
    case dkimKeyNotFound(String, selector: String)
    case quarantinedMessageNotFound(Int64)
    case openPGPCertificateNotFound(String)
    case smimeCertificateNotFound(String)
    /// RFC 5464 §4.3 `[METADATA TOOMANY]`: the account holds the most entries allowed.
    case metadataTooMany(limit: Int)
    case io(String)

    public var description: String {
        switch self {
        case .domainExists(let d): "domain \(d) already exists"
        case .domainNotFound(let d): "domain \(d) is not a local domain (add it with: hato domain add \(d))"
        case .domainInUse(let d, let accounts, let aliases):
            "domain \(d) still has \(accounts) account(s) and \(aliases) alias(es); remove them first"
        case .accountExists(let a): "account \(a) already exists"
        case .accountNotFound(let a): "no account \(a)"
        case .aliasExists(let a): "alias \(a) already exists (remove it first to change its targets)"
        case .aliasNotFound(let a): "no alias \(a)"
        case .aliasShadowsAccount(let a): "\(a) is an account; an alias with the same address would never be used"
        case .mailboxExists(let m): "mailbox \(m) already exists"
        case .mailboxNotFound(let m): "no mailbox \(m)"
        case .invalidMailboxName(let m, let why): "invalid mailbox name \"\(m)\": \(why)"
        case .cannotDeleteInbox: "INBOX cannot be deleted"
        case .metadataTooMany(let limit): "too many metadata entries; the limit is \(limit) per account"
        case .quotaExceeded(let why): "quota exceeded: \(why)"
        case .messageTooLarge(let size, let limit): "message of \(size) bytes exceeds the limit of \(limit) bytes"
        case .messageNotFound(let uid): "no message with UID \(uid)"
        case .bodyMissing(let path): "message body file \(path) is missing"
        case .queueMessageNotFound(let id): "no queued message \(id)"
        case .noRecipients: "a message needs at least one recipient"
        case .dkimKeyExists(let d, let s): "domain \(d) already has a DKIM key with selector \(s)"
        case .dkimKeyNotFound(let d, let s): "no DKIM key with selector \(s) for domain \(d)"
        case .quarantinedMessageNotFound(let id): "no quarantined message \(id)"
        case .openPGPCertificateNotFound(let f): "no OpenPGP certificate \(f)"
        case .smimeCertificateNotFound(let f): "no S/MIME certificate \(f)"
        case .io(let why): "storage error: \(why)"
        }
    }
}
