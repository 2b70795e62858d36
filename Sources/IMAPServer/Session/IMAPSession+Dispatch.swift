import IMAPProtocol
import ServerRuntime

extension IMAPSession {
    /// Which command runs in which state (RFC 9051 §6.1-§6.4). Commands of a later state get NO
    /// (not permitted yet), unknown ones BAD.
    mutating func dispatch(_ tagged: IMAPTaggedCommand) -> [IMAPAction] {
        let tag = tagged.tag
        let command = tagged.command
        if case .login = command {} else {
            logger.debug("command", metadata: ["tag": "\(LogSafe.escaped(tag))", "command": "\(command.name)"])
        }
        switch command {
        // §6.1 any state
        case .capability: return capability(tag)
        case .noop: return finish(tag, "NOOP completed")  // §6.1.2: the polite way to ask for updates
        case .logout: return logout(tag)
        case .id(let parameters): return id(tag, parameters)
        default: break
        }
        guard let user = state.user else {
            switch command {
            case .startTLS: return startTLS(tag)
            case .login(let username, let password): return login(tag, username: username, password: password)
            case .authenticate(let mechanism, let initialResponse): return authenticate(tag, mechanism, initialResponse)
            case .unauthenticate: return fail(tag, .unexpectedCommand)  // RFC 8437 §3: BAD in the wrong state
            default: return fail(tag, .needsAuthentication(command: command.name))
            }
        }
        switch command {
        case .startTLS, .login, .authenticate: return fail(tag, .alreadyAuthenticated)
        case .enable(let names): return enable(tag, names)
        case .select(let name, let parameters): return select(tag, name, parameters, readOnly: false, user)
        case .examine(let name, let parameters): return select(tag, name, parameters, readOnly: true, user)
        case .create(let name, let specialUse): return create(tag, name, specialUse, user)
        case .delete(let name):
            guard !name.isInbox else { return fail(tag, .cannotDeleteInbox) }
            expectOwn(tag, .deleted(name: name.name))
            return run(.delete(tag: tag, name, user))
        case .rename(let from, let to):
            guard !to.isInbox else { return fail(tag, .cannotRenameToInbox) }
            expectOwn(tag, from.isInbox ? .created(name: to.name) : .renamed(from: from.name, to: to.name))
            return run(.rename(tag: tag, from: from, to: to, user))
        case .subscribe(let name):
            expectOwn(tag, .subscription(name: name.name, subscribed: true))
            return run(.subscribe(tag: tag, name, true, user))
        case .unsubscribe(let name):
            expectOwn(tag, .subscription(name: name.name, subscribed: false))
            return run(.subscribe(tag: tag, name, false, user))
        case .list(let list): return self.list(tag, list, user)
        case .lsub(let reference, let pattern):
            if let failure = patternRefusal(reference, [pattern]) { return fail(tag, failure) }
            return run(.lsub(tag: tag, reference: reference, pattern: pattern, user))
        case .namespace: return namespace(tag)
        case .status(let name, let attributes): return run(.status(tag: tag, name, attributes, user))
        case .append(let name, let messages): return append(tag, name, messages, user)
        case .idle: return idle(tag)
        case .getQuota(let root):
            guard root.isEmpty else { return fail(tag, .noSuchQuotaRoot) }
            return run(.getQuota(tag: tag, user))
        case .getQuotaRoot(let name): return run(.getQuotaRoot(tag: tag, name, user))
        case .getMetadata(let name, let options, let entries): return getMetadata(tag, name, options, entries, user)
        case .setMetadata(let name, let values): return setMetadata(tag, name, values, user)
        case .resetKey(let name, let mechanisms): return resetKey(tag, name, mechanisms, user)
        case .genURLAuth(let requests): return genURLAuth(tag, requests, user)
        case .urlFetch(let requests): return urlFetch(tag, requests, user)
        case .compress(let mechanism): return compress(tag, mechanism)
        case .notify(let notify): return self.notify(tag, notify, user)
        case .unauthenticate: return unauthenticate(tag, user)
        default: break
        }
        guard let selected = state.selected else { return fail(tag, .needsSelectedMailbox(command: command.name)) }
        switch command {
        case .close: return close(tag, selected, user)
        case .unselect:
            // RFC 3691 / RFC 9051 §6.4.2: leave without expunging.
            deselect(user)
            return send([.status(tag: tag, .ok, text: "UNSELECT completed")])
        case .expunge: return expunge(tag, nil, selected)
        case .uidExpunge(let set): return expunge(tag, set, selected)
        case .store(let set, let flags, let unchangedSince, let uid):
            return store(tag, set, flags, unchangedSince: unchangedSince, uid: uid, selected)
        case .copy(let set, let name, let uid): return copy(tag, set, name, uid: uid, move: false, selected, user)
        case .move(let set, let name, let uid): return copy(tag, set, name, uid: uid, move: true, selected, user)
        case .replace(let number, let name, let message, let uid): return replace(tag, number, name, message, uid: uid, selected, user)
        case .fetch(let set, let attributes, let modifiers, let uid):
            return fetch(tag, set, attributes, modifiers, uid: uid, selected)
        case .search(let search, let uid): return self.search(tag, search, uid: uid, selected)
        case .sort(let sort, let uid): return sortOrThread(tag, sort.search, .sort(sort), uid: uid, selected)
        case .thread(let thread, let uid): return sortOrThread(tag, thread.search, .thread(thread.algorithm), uid: uid, selected)
        case .cancelUpdate(let tags): return cancelUpdate(tag, tags, selected)
        default: return fail(tag, .unexpectedCommand)
        }
    }

    /// What a step came to, for the command that ran it.
    mutating func apply(_ result: IMAPStepResult) -> [IMAPAction] {
        switch result {
        case .login(let tag, let step): return loginStep(tag, step)
        case .session(let tag, .success(let user)): return loggedIn(tag, user)
        case .session(let tag, .failure(let failure)): return fail(tag, failure)
        case .quota(let tag, let overQuota): return quotaChecked(tag, overQuota: overQuota)
        case .done(let tag, let completion):
            state.selected?.markRecent(completion.ownRecent)
            if !completion.ownCopies.isEmpty { state.selected?.noteOwnAppends(completion.ownCopies) }
            return send(completion.untagged) + finish(tag, code: completion.code, completion.text)
        case .failed(let tag, let failure):
            fetch = nil
            ownCommandFailed(tag)
            return Self.joiningFirstSend(takeClosedNotice(), fail(tag, failure))
        case .selected(let outcome): return selected(outcome)
        case .appended(let tag, let mailbox, let appended, let code, let recent):
            if let selected = state.selected, selected.mailbox.id == mailbox {
                selected.markRecent(recent)
                selected.noteOwnAppends(appended)
            }
            return finish(tag, code: code, "APPEND completed")
        case .replaced(let tag, let outcome): return replaced(tag, outcome)
        case .deleted(let tag, let mailbox):
            // This session deleted its own selected mailbox: it returns to authenticated.
            if state.selected?.mailbox.id == mailbox, let user = state.user { deselect(user) }
            return finish(tag, "DELETE completed")
        case .expunged(let tag, let removed, let modSeq, let verb, let copyUID, let ownCopies, let ownRecent):
            // RFC 6851 §3.3 / RFC 9051 §7.4.1: a MOVE into the selected mailbox itself is
            // announced whole, the copies' EXISTS as well as the originals' EXPUNGE.
            state.selected?.markRecent(ownRecent)
            if !ownCopies.isEmpty { state.selected?.noteOwnAppends(ownCopies) }
            let copied = copyUID.map { [IMAPAction.send([.status(tag: nil, .ok, code: $0, text: "copied")])] } ?? []
            return copied + expunged(tag, removed, modSeq: modSeq, verb: verb)
        case .stored(let tag, let updated, let failed, let silent, let uid):
            return stored(tag, updated, failed: failed, silent: silent, uid: uid)
        case .searched(let tag, let command, let matched, let uid, let usesModSeq):
            return searched(tag, command, matched, uid: uid, usesModSeq: usesModSeq)
        case .sorted(let tag, let outcome, let uid, let usesModSeq):
            return sortedOrThreaded(tag, outcome, uid: uid, usesModSeq: usesModSeq)
        case .contextChecked(let verdicts, let reply): return contextChecked(verdicts, reply: reply)
        case .fetchMessages(let tag, let messages, let vanished, let firstChunk):
            return fetchMessagesRead(tag, messages, vanished: vanished, firstChunk: firstChunk)
        case .fetchChunk(let tag, let results): return fetchChunkRead(tag, results)
        case .fetchStreamHead(let tag, let message, let items): return fetchStreamHeadRead(tag, message, items)
        case .fetchPiece(let tag, let piece): return fetchPieceRead(tag, piece)
        case .notifySet(let tag, let outcome): return notifySet(tag, outcome)
        case .notifyFetched(let results, let plan): return notifyFetched(results, plan)
        }
    }
}

extension IMAPCommand {
    /// The command keyword for logs and replies (never an argument: no passwords).
    var name: String {
        switch self {
        case .capability: "CAPABILITY"
        case .noop: "NOOP"
        case .logout: "LOGOUT"
        case .id: "ID"
        case .startTLS: "STARTTLS"
        case .authenticate: "AUTHENTICATE"
        case .login: "LOGIN"
        case .enable: "ENABLE"
        case .select: "SELECT"
        case .examine: "EXAMINE"
        case .create: "CREATE"
        case .delete: "DELETE"
        case .rename: "RENAME"
        case .subscribe: "SUBSCRIBE"
        case .unsubscribe: "UNSUBSCRIBE"
        case .list: "LIST"
        case .lsub: "LSUB"
        case .namespace: "NAMESPACE"
        case .status: "STATUS"
        case .append: "APPEND"
        case .idle: "IDLE"
        case .getQuota: "GETQUOTA"
        case .getQuotaRoot: "GETQUOTAROOT"
        case .compress: "COMPRESS"
        case .unauthenticate: "UNAUTHENTICATE"
        case .getMetadata: "GETMETADATA"
        case .setMetadata: "SETMETADATA"
        case .resetKey: "RESETKEY"
        case .genURLAuth: "GENURLAUTH"
        case .urlFetch: "URLFETCH"
        case .notify: "NOTIFY"
        case .close: "CLOSE"
        case .unselect: "UNSELECT"
        case .cancelUpdate: "CANCELUPDATE"
        case .expunge: "EXPUNGE"
        case .uidExpunge: "UID EXPUNGE"
        case .search(_, let uid): uid ? "UID SEARCH" : "SEARCH"
        case .sort(_, let uid): uid ? "UID SORT" : "SORT"
        case .thread(_, let uid): uid ? "UID THREAD" : "THREAD"
        case .fetch(_, _, _, let uid): uid ? "UID FETCH" : "FETCH"
        case .store(_, _, _, let uid): uid ? "UID STORE" : "STORE"
        case .copy(_, _, let uid): uid ? "UID COPY" : "COPY"
        case .move(_, _, let uid): uid ? "UID MOVE" : "MOVE"
        case .replace(_, _, _, let uid): uid ? "UID REPLACE" : "REPLACE"
        }
    }
}
