import IMAPProtocol
import NIOCore
import ServerRuntime

extension IMAPSessionHandler {
    /// Which command runs in which state (RFC 9051 §6.1-§6.4). Commands of a later state get NO
    /// (not permitted yet), unknown ones BAD.
    func dispatch(_ tagged: IMAPTaggedCommand, _ context: ChannelHandlerContext) {
        let tag = tagged.tag
        let command = tagged.command
        if case .login = command {} else {
            logger.debug("command", metadata: ["tag": "\(LogSafe.escaped(tag))", "command": "\(command.name)"])
        }
        switch command {
        // §6.1 any state
        case .capability: return capability(tag, context)
        case .noop: return noop(tag, context)
        case .logout: return logout(tag, context)
        case .id(let parameters): return id(tag, parameters, context)
        default: break
        }
        guard let user = state.user else {
            switch command {
            case .startTLS: return startTLS(tag, context)
            case .login(let username, let password): return login(tag, username: username, password: password, context)
            case .authenticate(let mechanism, let initialResponse): return authenticate(tag, mechanism, initialResponse, context)
            default: return no(tag, "\(command.name) needs an authenticated session; log in first", context)
            }
        }
        switch command {
        case .startTLS, .login, .authenticate:
            return bad(tag, "already authenticated", context)
        case .enable(let names): return enable(tag, names, context)
        case .select(let name, let parameters): return select(tag, name, parameters, readOnly: false, user, context)
        case .examine(let name, let parameters): return select(tag, name, parameters, readOnly: true, user, context)
        case .create(let name, let specialUse): return create(tag, name, specialUse, user, context)
        case .delete(let name): return delete(tag, name, user, context)
        case .rename(let from, let to): return rename(tag, from, to, user, context)
        case .subscribe(let name): return subscribe(tag, name, true, user, context)
        case .unsubscribe(let name): return subscribe(tag, name, false, user, context)
        case .list(let list): return self.list(tag, list, user, context)
        case .lsub(let reference, let pattern): return lsub(tag, reference, pattern, user, context)
        case .namespace: return namespace(tag, context)
        case .status(let name, let attributes): return status(tag, name, attributes, user, context)
        case .append(let name, let messages): return append(tag, name, messages, user, context)
        case .idle: return idle(tag, context)
        case .getQuota(let root): return getQuota(tag, root, user, context)
        case .getQuotaRoot(let name): return getQuotaRoot(tag, name, user, context)
        case .compress: return no(tag, "COMPRESS is not offered", context)
        case .unauthenticate: return no(tag, "UNAUTHENTICATE is not offered", context)
        default: break
        }
        guard let selected = state.selected else {
            return no(tag, "\(command.name) needs a selected mailbox; SELECT one first", context)
        }
        switch command {
        case .close: close(tag, selected, user, context)
        case .unselect: unselect(tag, user, context)
        case .expunge: expunge(tag, nil, selected, context)
        case .uidExpunge(let set): expunge(tag, set, selected, context)
        case .store(let set, let flags, let unchangedSince, let uid):
            store(tag, set, flags, unchangedSince: unchangedSince, uid: uid, selected, context)
        case .copy(let set, let name, let uid): copy(tag, set, name, uid: uid, move: false, selected, user, context)
        case .move(let set, let name, let uid): copy(tag, set, name, uid: uid, move: true, selected, user, context)
        case .fetch(let set, let attributes, let modifiers, let uid):
            fetch(tag, set, attributes, modifiers, uid: uid, selected, context)
        case .search(let search, let uid): self.search(tag, search, uid: uid, selected, context)
        default: bad(tag, "unexpected command", context)
        }
    }

    /// Sends the updates the client may hear now, then the tagged reply. RFC 9051 §7.5.1: no
    /// EXPUNGE while answering FETCH, STORE or SEARCH (the UID forms are allowed, but the
    /// numbering stays simplest when all hold them).
    func finish(_ tag: String, status: IMAPStatus = .ok, code: IMAPResponseCode? = nil, _ text: String,
                allowExpunge: Bool = true, _ context: ChannelHandlerContext) {
        var responses = pendingUpdates(allowExpunge: allowExpunge)
        responses.append(.status(tag: tag, status, code: code, text: text))
        send(context, responses)
        if state.selected?.removed == true { mailboxGone(context) }
    }

    func pendingUpdates(allowExpunge: Bool) -> [IMAPResponse] {
        guard let selected = state.selected else { return [] }
        return selected.flush(allowExpunge: allowExpunge, qresync: enabled.qresync, modSeqs: enabled.modSeqs).map(IMAPResponse.data)
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
        case .close: "CLOSE"
        case .unselect: "UNSELECT"
        case .expunge: "EXPUNGE"
        case .uidExpunge: "UID EXPUNGE"
        case .search(_, let uid): uid ? "UID SEARCH" : "SEARCH"
        case .fetch(_, _, _, let uid): uid ? "UID FETCH" : "FETCH"
        case .store(_, _, _, let uid): uid ? "UID STORE" : "STORE"
        case .copy(_, _, let uid): uid ? "UID COPY" : "COPY"
        case .move(_, _, let uid): uid ? "UID MOVE" : "MOVE"
        }
    }
}
