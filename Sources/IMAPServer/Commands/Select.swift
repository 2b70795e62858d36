import IMAPProtocol
import MailStore
import ServerRuntime

extension IMAPSession {
    /// RFC 9051 §6.3.2 SELECT / §6.3.3 EXAMINE, with RFC 7162 CONDSTORE and QRESYNC parameters.
    /// A failed SELECT leaves the session in the authenticated state.
    mutating func select(_ tag: String, _ name: IMAPMailboxName, _ parameters: IMAPSelectParameters, readOnly: Bool,
                         _ user: AuthenticatedUser) -> [IMAPAction] {
        if parameters.qresync != nil && !enabled.qresync { return fail(tag, .qresyncNotEnabled) }
        // RFC 7162 §3.2.5 / §7: "*" is not allowed in known-uids, known-sequence-set or
        // known-uid-set; invalid parameters get BAD before the mailbox is opened.
        if let qresync = parameters.qresync,
           [qresync.knownUIDs, qresync.knownSequenceSet, qresync.knownUIDSet].contains(where: { $0?.isExplicitNumbers == false }) {
            return fail(tag, .qresyncWildcard)
        }
        if parameters.condstore { enabled.condstore = true }
        // Leaving the current mailbox first: RFC 7162 §3.2.11 / RFC 9051 §6.3.2 [CLOSED], sent
        // ahead of what the step brings (the new mailbox's responses or the NO), in one write.
        if state.selected != nil {
            deselect(user)
            closedPending = true
        }
        return run(.select(tag: tag, name, parameters, readOnly: readOnly, user, rev2: enabled.imap4rev2,
                                     knownID: knownMailboxIDs[Mailbox.normalize(name.name)]))
    }

    mutating func selected(_ outcome: IMAPSelectOutcome) -> [IMAPAction] {
        let mailbox = outcome.mailbox, messages = outcome.messages, readOnly = outcome.readOnly
        selectionGeneration += 1
        if knownMailboxIDs.count >= Self.knownMailboxLimit { knownMailboxIDs.removeAll() }
        knownMailboxIDs[mailbox.name] = mailbox.id
        let view = SelectedMailbox(mailbox: mailbox, readOnly: readOnly, messages: messages, recentMode: outcome.recentMode,
                                   recentFrom: outcome.recentFrom)
        view.feedProbe = outcome.feedProbe
        state = .selected(outcome.user, view)
        view.noteAssignedBeforeSubscribing(upTo: outcome.assignedBeforeSubscribing)

        var responses = takeClosedNotice() + view.flagsAnnouncement + [.data(.exists(view.count))]
        if !enabled.imap4rev2 {
            // RFC 3501 §6.3.1: RECENT and the first unseen message for rev1 clients.
            responses.append(.data(.recent(view.recentCount)))
            if let index = messages.firstIndex(where: { !$0.flags.system.contains(.seen) }) {
                responses.append(.status(tag: nil, .ok, code: .unseen(UInt32(index + 1)), text: "first unseen"))
            }
        }
        responses += [
            .status(tag: nil, .ok, code: .uidValidity(mailbox.uidValidity), text: "UIDs valid"),
            .status(tag: nil, .ok, code: .uidNext(mailbox.uidNext), text: "predicted next UID"),
            .status(tag: nil, .ok, code: .highestModSeq(view.highestModSeq), text: "highest"),
            .status(tag: nil, .ok, code: .mailboxID(ObjectIDs.mailbox(mailbox)), text: "mailbox ID"),  // RFC 8474 §4.1
            // RFC 4467 §BASE.7.1.URLMECH: returned on SELECT and EXAMINE (the mechanisms GENURLAUTH takes).
            .status(tag: nil, .ok, code: .other("URLMECH", "INTERNAL"), text: "URL mechanisms"),
        ]
        if enabled.imap4rev2 {
            responses.append(.data(.list(IMAPListResponse(attributes: outcome.listAttributes, delimiter: Mailbox.hierarchySeparator,
                                                          mailbox: IMAPMailboxName(mailbox.name)))))
        }
        // RFC 7162 §3.2.5.1: what changed since the client's mod-sequence.
        if let qresync = outcome.parameters.qresync, qresync.uidValidity == mailbox.uidValidity {
            var gone = outcome.vanished
            if let known = qresync.knownUIDs {
                let ranges = known.resolved(star: mailbox.uidNext &- 1)
                gone = gone.filter { uid in ranges.contains { $0.contains(uid) } }
            }
            if let numbers = qresync.knownSequenceSet, let uids = qresync.knownUIDSet {
                let floor = Self.matchedUIDFloor(numbers: numbers, uids: uids, messages: messages, uidNext: mailbox.uidNext)
                gone = gone.filter { $0 > floor }
            }
            if !gone.isEmpty { responses.append(.data(.vanished(earlier: true, UIDSet.make(gone)))) }
            for (index, message) in messages.enumerated() where message.modSeq > qresync.modSeq {
                responses.append(.data(.fetch(UInt32(index + 1), [
                    .uid(message.uid), .flags(view.flagNames(message.uid, message.flags)), .modSeq(message.modSeq),
                ])))
            }
        }
        responses.append(.status(tag: outcome.tag, .ok, code: readOnly ? .readOnly : .readWrite,
                                 text: readOnly ? "EXAMINE completed" : "SELECT completed"))
        return [.listen(outcome.stream, view, generation: selectionGeneration), .send(responses)]
    }

    /// The `[CLOSED]` of the mailbox a SELECT or EXAMINE left, once.
    mutating func takeClosedNotice() -> [IMAPResponse] {
        guard closedPending else { return [] }
        closedPending = false
        return [.status(tag: nil, .ok, code: .closed, text: "previous mailbox closed")]
    }

    /// RFC 7162 §3.2.5.2 message sequence match data: the client's sample of (sequence number,
    /// UID) pairs, compared in order with the mailbox now. While pairs match, the client already
    /// knows every expunge up to that UID; the first mismatch ends the run. Returns the UID at or
    /// below which nothing is reported VANISHED (0 when the first pair does not match).
    static func matchedUIDFloor(numbers: IMAPSequenceSet, uids: IMAPSequenceSet, messages: [MessageState],
                                uidNext: UInt32) -> UInt32 {
        let sequence = numbers.resolved(star: UInt32(messages.count)).lazy.flatMap { $0 }
        let known = uids.resolved(star: uidNext &- 1).lazy.flatMap { $0 }
        var floor: UInt32 = 0
        for (number, uid) in zip(sequence, known) {
            guard number >= 1, Int(number) <= messages.count, messages[Int(number) - 1].uid == uid else { break }
            floor = uid
        }
        return floor
    }

    /// RFC 9051 §6.4.1: CLOSE expunges \Deleted messages silently (not in EXAMINE), then leaves.
    mutating func close(_ tag: String, _ selected: SelectedMailbox, _ user: AuthenticatedUser) -> [IMAPAction] {
        deselect(user)
        guard !selected.readOnly else { return send([.status(tag: tag, .ok, text: "CLOSE completed")]) }
        return run(.closeExpunge(tag: tag, selected.mailbox.id))
    }

    mutating func deselect(_ user: AuthenticatedUser) {
        state.selected?.feedTask?.cancel()
        selectionGeneration += 1
        state = .authenticated(user)
    }
}

extension IMAPStepRunner {
    func select(_ tag: String, _ name: IMAPMailboxName, _ parameters: IMAPSelectParameters, readOnly: Bool,
                _ user: AuthenticatedUser, rev2: Bool, knownID: MailboxID?) async -> IMAPStepResult {
        do {
            guard let opened = try await open(name, user, knownID: knownID) else {
                return .failed(tag: tag, .noSuchMailbox(.nonExistent))
            }
            let selection = opened.selection, messages = selection.messages, current = selection.mailbox
            var vanished: [UInt32] = []
            if let qresync = parameters.qresync, qresync.uidValidity == current.uidValidity {
                vanished = try await store.expungedUIDs(in: current.id, since: qresync.modSeq)
            }
            // RFC 9051 §6.3.2: rev2 clients get the mailbox's LIST response, attributes accurate.
            // RFC 3501 §2.3.2 / §6.3.2: SELECT takes the messages no session was told about as
            // its recent ones; EXAMINE only looks. Only the messages read here: later ones are
            // claimed as the feed brings them. IMAP4rev2 has no \Recent (RFC 9051).
            // Claimed through every UID assigned before the feed was subscribed (in the view,
            // or expunged): the feed brings the rest, and the listener claims those.
            let recentMode: RecentMode? = rev2 ? nil : readOnly ? .peek : .claim
            var recentFrom = UInt32.max
            if let recentMode {
                let assigned = max(opened.assignedBeforeSubscribing, messages.last?.uid ?? 0)
                // Nothing to claim (another session was first, or nothing is new, or EXAMINE):
                // the first unclaimed UID just read is the answer, as `claimRecent` would give.
                if let through = recentMode.through(assigned), selection.firstRecentUID <= through {
                    recentFrom = try await store.claimRecent(in: current.id, through: through)
                } else {
                    recentFrom = selection.firstRecentUID
                }
            }
            var attributes: [String] = []
            if rev2 {
                let prefix = current.name + String(Mailbox.hierarchySeparator)
                let hasChildren = try await store.mailboxes(of: user.accountID).contains { $0.name.hasPrefix(prefix) }
                attributes = [hasChildren ? "\\HasChildren" : "\\HasNoChildren"] + [current.specialUse?.rawValue].compactMap { $0 }
            }
            return .selected(IMAPSelectOutcome(
                tag: tag, mailbox: current, messages: messages, stream: opened.stream, readOnly: readOnly, parameters: parameters,
                vanished: vanished, listAttributes: attributes, assignedBeforeSubscribing: opened.assignedBeforeSubscribing,
                user: user, recentMode: recentMode, recentFrom: recentFrom, feedProbe: opened.probe))
        } catch {
            logger.error("SELECT failed", metadata: ["error": "\(LogSafe.escaped("\(error)"))"])
            return .failed(tag: tag, .unavailable("open the mailbox"))
        }
    }

    /// A mailbox subscribed to on the change feed, then read.
    private struct OpenedMailbox {
        var selection: MailboxSelection
        var stream: AsyncStream<MailboxChange>
        var probe: FeedProbe?
        /// Every UID up to this one was assigned before the subscription (`noteAssignedBeforeSubscribing`).
        var assignedBeforeSubscribing: UInt32
    }

    /// Subscribes before reading: nothing committed after the read can be missed, and what is
    /// both read and heard is recognised by UID and mod-sequence. The feed's count is taken
    /// first: a change published in between counts as not yet heard, which only makes the view
    /// ask the store (`SelectedMailbox.caughtUp`). The read takes only what the view keeps (uid,
    /// flags, mod-sequence), with the mailbox row and its first unclaimed \Recent UID.
    private func open(_ name: IMAPMailboxName, _ user: AuthenticatedUser, knownID: MailboxID?) async throws -> OpenedMailbox? {
        func subscribe(_ id: MailboxID) -> (FeedProbe?, AsyncStream<MailboxChange>) {
            let feedStore = store
            let probe = store.changesPublished(in: id).map { FeedProbe(baseline: $0, published: { feedStore.changesPublished(in: id) }) }
            return (probe, store.changes(in: id))
        }
        // A mailbox this session opened before under this name: its ID, subscribed and read in
        // one store trip; the row read says whether it still has that name and owner (else it
        // was renamed or deleted, and the name is looked up as for any other). Read after the
        // subscription, its UIDNEXT bounds what was assigned before it: every UID below is
        // committed in the snapshot, so in the view or expunged.
        if let knownID {
            let (probe, stream) = subscribe(knownID)
            if let selection = try await store.selection(of: knownID), selection.mailbox.accountID == user.accountID,
               selection.mailbox.name == Mailbox.normalize(name.name) {
                return OpenedMailbox(selection: selection, stream: stream, probe: probe,
                                     assignedBeforeSubscribing: selection.mailbox.uidNext > 0 ? selection.mailbox.uidNext - 1 : 0)
            }
        }
        guard let mailbox = try await store.mailbox(of: user.accountID, named: name.name) else { return nil }
        let (probe, stream) = subscribe(mailbox.id)
        guard let selection = try await store.selection(of: mailbox.id) else { return nil }
        return OpenedMailbox(selection: selection, stream: stream, probe: probe,
                             assignedBeforeSubscribing: mailbox.uidNext > 0 ? mailbox.uidNext - 1 : 0)
    }

    func closeExpunge(_ tag: String, _ mailbox: MailboxID) async -> IMAPStepResult {
        do {
            _ = try await store.expunge(in: mailbox, uids: nil)
            return .done(tag: tag, IMAPCompletion(text: "CLOSE completed"))
        } catch {
            logger.error("expunge at CLOSE failed", metadata: ["error": "\(LogSafe.escaped("\(error)"))"])
            return .failed(tag: tag, .closeExpungeFailed)
        }
    }
}

extension IMAPSequenceSet {
    /// Only numbers and ranges of numbers: no `*` and not `$`.
    var isExplicitNumbers: Bool {
        guard case .ranges(let ranges) = self else { return false }
        return ranges.allSatisfy { range in
            if case .number = range.first, case .number = range.last { return true }
            return false
        }
    }
}
