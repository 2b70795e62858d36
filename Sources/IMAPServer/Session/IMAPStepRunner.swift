import Logging
import MailStore
import SASL
import ServerRuntime

/// Does the async work of `IMAPStep`s against the store and the authenticator, off the event
/// loop, and says what came of it; the session decides what that means for the client. The
/// store work of each command lives next to the command's decisions (`Commands/`).
struct IMAPStepRunner: Sendable {
    let store: any MailStore
    let sessions: SessionCounter
    let authenticator: SASLAuthenticator
    let connection: ConnectionContext
    let configuration: IMAPConfiguration
    let logger: Logger
    /// The server's cache of what never changes about a message (`MessageFactsCache`).
    let facts: MessageFactsCache

    /// The commands of an IMAP client's steady state, which await the store and do little else,
    /// run on the session's event loop (`EventLoopTaskExecutor`). Logins (password hashes),
    /// APPEND (MIME parsing), SEARCH and SORT (bodies), LIST (every mailbox name) and the rest
    /// stay on the cooperative pool.
    func runsOnEventLoop(_ step: IMAPStep) -> Bool {
        switch step {
        case .select, .status, .store, .expunge, .closeExpunge, .copy, .fetchMessages, .fetchChunk, .notifyFetch: true
        default: false
        }
    }

    func run(_ step: IMAPStep) async -> IMAPStepResult {
        // On the event loop the store may read without a thread hop (`BlockingIO.briefReadsInline`).
        await BlockingIO.step(onEventLoop: runsOnEventLoop(step)) { await runStep(step) }
    }

    private func runStep(_ step: IMAPStep) async -> IMAPStepResult {
        switch step {
        case .authenticate(let tag, let mechanism, let initialResponse, let tlsActive):
            .login(tag: tag, await SASLLogin.begin(
                mechanism: mechanism, initialResponse: initialResponse, tlsActive: tlsActive, connection: connection,
                authenticator: authenticator, logger: logger))
        case .continueAuthentication(let tag, let login, let response):
            .login(tag: tag, await login.respond(response))
        case .checkPassword(let tag, let username, let password):
            .login(tag: tag, await SASLLogin.password(username: username, password: password, connection: connection,
                                                      authenticator: authenticator, logger: logger))
        case .openSession(let tag, let username):
            .session(tag: tag, await openSession(username: username))
        case .checkQuota(let tag, let account, let size):
            .quota(tag: tag, overQuota: await overQuota(account, size: size))
        case .select(let tag, let name, let parameters, let readOnly, let user, let rev2, let knownID):
            await select(tag, name, parameters, readOnly: readOnly, user, rev2: rev2, knownID: knownID)
        case .create(let tag, let name, let use, let user): await create(tag, name, use, user)
        case .delete(let tag, let name, let user): await delete(tag, name, user)
        case .rename(let tag, let from, let to, let user): await rename(tag, from, to, user)
        case .subscribe(let tag, let name, let subscribed, let user): await subscribe(tag, name, subscribed, user)
        case .list(let tag, let command, let user): await list(tag, command, user)
        case .lsub(let tag, let reference, let pattern, let user): await lsub(tag, reference, pattern, user)
        case .status(let tag, let name, let attributes, let user): await status(tag, name, attributes, user)
        case .getQuota(let tag, let user): await getQuota(tag, user)
        case .getQuotaRoot(let tag, let name, let user): await getQuotaRoot(tag, name, user)
        case .getMetadata(let tag, let name, let options, let entries, let user): await getMetadata(tag, name, options, entries, user)
        case .setMetadata(let tag, let name, let values, let user): await setMetadata(tag, name, values, user)
        case .resetKey(let tag, let name, let user): await resetKey(tag, name, user)
        case .genURLAuth(let tag, let urls, let user): await genURLAuth(tag, urls, user)
        case .urlFetch(let tag, let requests, let user): await urlFetch(tag, requests, user)
        case .append(let tag, let name, let requests, let user, let recent): await append(tag, name, requests, user, recent: recent)
        case .replace(let tag, let source, let uid, let name, let message, let user, let recent):
            await replace(tag, source, uid: uid, name, message, user, recent: recent)
        case .closeExpunge(let tag, let mailbox): await closeExpunge(tag, mailbox)
        case .expunge(let tag, let mailbox, let candidates): await expunge(tag, mailbox, candidates: candidates)
        case .store(let tag, let mailbox, let uids, let change, let unchangedSince, let silent, let uid):
            await store(tag, mailbox, uids, change, unchangedSince: unchangedSince, silent: silent, uid: uid)
        case .copy(let tag, let source, let uids, let name, let move, let user, let recent):
            await copy(tag, source, uids, to: name, move: move, user, recent: recent)
        case .search(let search): await self.search(search)
        case .sort(let sort): await self.sort(sort)
        case .contextCheck(let check): await contextCheck(check)
        case .fetchMessages(let tag, let mailbox, let uids, let changedSince, let vanishedRanges, let plan, let view):
            await fetchMessages(tag, mailbox, uids, changedSince: changedSince, vanishedRanges: vanishedRanges, plan: plan, view: view)
        case .fetchChunk(let tag, let mailbox, let chunk, let plan): await fetchChunk(tag, mailbox, chunk, plan)
        case .fetchStreamHead(let tag, let mailbox, let message, let plan): await fetchStreamHead(tag, mailbox, message, plan)
        case .fetchPiece(let tag, let message, let offset, let length): await fetchPiece(tag, message, offset: offset, length: length)
        case .notifySet(let tag, let plan, let user, let status, let limit): await notifySet(tag, plan, user, status: status, limit: limit)
        case .notifyFetch(let mailbox, let uids, let plan): await notifyFetch(mailbox, uids, plan)
        }
    }
}
