import Foundation
import MailCore
import MailStore
import SASL

/// The operations behind the admin commands (`hato domain|account|alias|mailbox ...`), on any
/// `MailStore`. They are safe while `hato serve` runs on the same data: the store serialises writers.
public struct Admin: Sendable {
    public let store: any MailStore
    public let config: HatoConfig

    public init(store: any MailStore, config: HatoConfig) {
        self.store = store
        self.config = config
    }

    public func addAccount(_ address: EmailAddress, password: String) async throws -> Account {
        try Self.checkPassword(password)
        let credentials = try Account.deriveCredentials(password: password, iterations: config.accounts.scramIterations)
        let quota = Quota(maxBytes: config.accounts.quotaBytes, maxMessages: config.accounts.quotaMessages)
        return try await store.addAccount(address, credentials: credentials, quota: quota)
    }

    /// New SCRAM keys; with `allowCRAMMD5` also the CRAM-MD5 key schedule (RFC 2195), without it
    /// any earlier CRAM-MD5 record is removed.
    public func changePassword(_ address: EmailAddress, password: String, allowCRAMMD5: Bool = false) async throws {
        try Self.checkPassword(password)
        try await store.setCredentials(
            address, credentials: try Account.deriveCredentials(password: password, iterations: config.accounts.scramIterations),
            cramMD5: allowCRAMMD5 ? CRAMMD5Credentials.derive(password: password) : nil)
    }

    static func checkPassword(_ password: String) throws {
        guard password.count >= 8 else { throw AdminError.weakPassword("at least 8 characters are required") }
        guard !password.contains(where: { $0.isNewline }) else { throw AdminError.weakPassword("line breaks are not allowed") }
    }

    public func account(_ address: EmailAddress) async throws -> Account {
        guard let account = try await store.account(address) else { throw MailStoreError.accountNotFound(address.description) }
        return account
    }

    public func mailboxStatuses(_ address: EmailAddress) async throws -> [MailboxStatus] {
        let account = try await account(address)
        var result: [MailboxStatus] = []
        for mailbox in try await store.mailboxes(of: account.id) { result.append(try await store.status(mailbox.id)) }
        return result
    }

    func mailbox(_ address: EmailAddress, _ name: String, create: Bool) async throws -> Mailbox {
        let account = try await account(address)
        if let mailbox = try await store.mailbox(of: account.id, named: name) { return mailbox }
        guard create else { throw MailStoreError.mailboxNotFound(name) }
        return try await store.createMailbox(of: account.id, named: name, specialUse: nil)
    }

    public enum ExportFormat: String, Sendable, CaseIterable { case mbox, maildir }

    /// Writes a mailbox's messages byte for byte. mbox goes to `output` (a file) or is returned;
    /// maildir needs `output` (a directory). Returns the number of messages written.
    public func export(_ address: EmailAddress, mailbox name: String, format: ExportFormat, output: URL?) async throws -> (count: Int, mbox: [UInt8]?) {
        let mailbox = try await mailbox(address, name, create: false)
        let stored = try await store.messages(in: mailbox.id)
        var messages: [MigratedMessage] = []
        for message in stored {
            messages.append(MigratedMessage(bytes: try await store.readBody(message.body), flags: message.flags, internalDate: message.internalDate))
        }
        switch format {
        case .mbox:
            let bytes = Mbox.write(messages, returnPaths: messages.map { HeaderPeek.value("Return-Path", in: $0.bytes) })
            if let output {
                try Data(bytes).write(to: output, options: .atomic)
                return (messages.count, nil)
            }
            return (messages.count, bytes)
        case .maildir:
            guard let output else { throw AdminError.outputRequired }
            try Maildir.write(messages, to: output, hostname: config.hostname, uids: stored.map(\.uid), uidValidity: mailbox.uidValidity)
            return (messages.count, nil)
        }
    }

    /// Imports an mbox file or a Maildir folder into the mailbox (created if missing), in order,
    /// keeping flags and received dates. Returns how many messages were added.
    public func importMessages(
        _ address: EmailAddress, mailbox name: String, from path: URL, progress: (AppendResult) -> Void = { _ in }
    ) async throws -> Int {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isDirectory) else {
            throw MigrationError.unreadable(path.path, "no such file or directory")
        }
        let messages = isDirectory.boolValue ? try Maildir.read(path) : Mbox.read(Array(try Data(contentsOf: path)))
        let mailbox = try await mailbox(address, name, create: true)
        var count = 0
        for message in messages {
            do {
                progress(try await store.append(
                    AppendRequest(bytes: message.bytes, flags: message.flags, internalDate: message.internalDate), to: mailbox.id))
            } catch {
                throw AdminError.importStopped(imported: count, of: messages.count, cause: "\(error)")
            }
            count += 1
        }
        return count
    }
}

public enum AdminError: Error, CustomStringConvertible {
    case weakPassword(String)
    case outputRequired
    case importStopped(imported: Int, of: Int, cause: String)

    public var description: String {
        switch self {
        case .weakPassword(let why): "password refused: \(why)"
        case .outputRequired: "--output DIRECTORY is required for --format maildir"
        case .importStopped(let done, let total, let cause): "import stopped after \(done) of \(total) messages: \(cause)"
        }
    }
}
