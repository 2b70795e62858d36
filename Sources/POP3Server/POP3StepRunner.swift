import Logging
import MailCore
import MailStore
import SASL
import ServerRuntime

/// Does the async work of `POP3Step`s against the store and the authenticator, off the event
/// loop, and says what came of it; the session decides what that means for the client.
struct POP3StepRunner: Sendable {
    let store: any MailStore
    let locks: MaildropLocks
    let authenticator: SASLAuthenticator
    let connection: ConnectionContext
    let logger: Logger

    func run(_ step: POP3Step) async -> POP3StepResult {
        switch step {
        case .authenticate(let mechanism, let initialResponse, let tlsActive):
            .login(await SASLLogin.begin(mechanism: mechanism, initialResponse: initialResponse, tlsActive: tlsActive,
                                         connection: connection, authenticator: authenticator, logger: logger))
        case .continueAuthentication(let login, let response):
            .login(await login.respond(response))
        case .checkPassword(let user, let password):
            .login(await SASLLogin.password(username: user, password: password, connection: connection,
                                            authenticator: authenticator, logger: logger))
        case .openMaildrop(let username):
            .maildrop(await openMaildrop(username: username))
        case .read(let message, let inbox, let topLines):
            .message(await read(message, inbox: inbox, markSeen: topLines == nil), topLines: topLines)
        case .update(let maildrop):
            .updated(await update(maildrop))
        }
    }

    /// Locks the maildrop and takes the snapshot of INBOX. A lock still held is waited for
    /// briefly (`MaildropLocks.acquireWaiting`): the session that holds it may be one whose
    /// client just dropped the connection and reconnected, which the server learns only when
    /// it reads the close.
    private func openMaildrop(username: String) async -> Result<Maildrop, POP3Failure> {
        guard let address = try? EmailAddress(username), let account = try? await store.account(address) else {
            return .failure(.authentication(.invalidCredentials))
        }
        guard await locks.acquireWaiting(account.id) else { return .failure(.maildropLocked) }
        do {
            guard let inbox = try await store.mailbox(of: account.id, named: Mailbox.inbox) else {
                throw MailStoreError.mailboxNotFound("INBOX")
            }
            let messages = try await store.messages(in: inbox.id)
            logger.info("login", metadata: ["user": "\(account.address)", "messages": "\(messages.count)"])
            return .success(Maildrop(account: account, inbox: inbox, messages: messages))
        } catch {
            locks.release(account.id)
            logger.error("cannot open maildrop", metadata: ["error": "\(error)"])
            return .failure(.maildropUnavailable)
        }
    }

    /// RETR and TOP; RETR marks the message \Seen for IMAP.
    private func read(_ message: StoredMessage, inbox: MailboxID, markSeen: Bool) async -> Result<[UInt8], POP3Failure> {
        do {
            let bytes = try await store.readBody(message.body)
            if markSeen && !message.flags.system.contains(.seen) {
                _ = try? await store.setFlags(in: inbox, uids: [message.uid], change: .add(MessageFlags(system: .seen)), unchangedSince: nil)
            }
            return .success(bytes)
        } catch {
            logger.error("cannot read message", metadata: ["uid": "\(message.uid)", "error": "\(error)"])
            return .failure(.messageUnreadable)
        }
    }

    /// UPDATE state (RFC 1939 §6): remove the messages marked with DELE. IMAP sessions on the
    /// same INBOX hear of the expunge through the store's change feed.
    private func update(_ maildrop: Maildrop) async -> Result<Int, POP3Failure> {
        let uids = maildrop.deleted.sorted().map { maildrop.messages[$0 - 1].uid }
        do {
            if !uids.isEmpty { _ = try await store.expunge(in: maildrop.inbox.id, uids: uids) }
            logger.info("logout", metadata: ["user": "\(maildrop.account.address)", "deleted": "\(uids.count)"])
            return .success(uids.count)
        } catch {
            logger.error("could not remove deleted messages", metadata: ["error": "\(error)"])
            return .failure(.updateFailed)
        }
    }
}
