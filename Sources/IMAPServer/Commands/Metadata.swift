import IMAPProtocol
import MailStore

/// RFC 5464 METADATA and METADATA-SERVER: GETMETADATA and SETMETADATA on the user's mailboxes
/// and on the server (the empty mailbox name). Entries are kept per account (`MetadataStore`):
/// with no shared mailboxes here, `/shared` entries are seen by the account's own sessions only.
extension IMAPSession {
    mutating func getMetadata(_ tag: String, _ mailbox: IMAPMailboxName, _ options: IMAPGetMetadataOptions,
                              _ entries: [String], _ user: AuthenticatedUser) -> [IMAPAction] {
        run(.getMetadata(tag: tag, mailbox, options, entries, user))
    }

    /// §4.3: a value over the size limit is `NO [METADATA MAXSIZE n]`; `/shared/admin` on the
    /// server is read-only (§3.2.1.1). Both are decided before the store is asked.
    mutating func setMetadata(_ tag: String, _ mailbox: IMAPMailboxName, _ values: [IMAPMetadataValue],
                              _ user: AuthenticatedUser) -> [IMAPAction] {
        let limit = settings.metadataMaxSize
        if values.contains(where: { ($0.value?.count ?? 0) > limit }) { return fail(tag, .metadataTooLarge(limit: limit)) }
        if mailbox.name.isEmpty, values.contains(where: { $0.entry == "/shared/admin" }) {
            return fail(tag, .metadataReadOnly("/shared/admin"))
        }
        expectOwn(tag, .metadata(mailbox: mailbox.name.isEmpty ? nil : Mailbox.normalize(mailbox.name), entries: values.map(\.entry)))
        return run(.setMetadata(tag: tag, mailbox, values, user))
    }
}

extension IMAPStepRunner {
    func getMetadata(_ tag: String, _ name: IMAPMailboxName, _ options: IMAPGetMetadataOptions, _ wanted: [String],
                     _ user: AuthenticatedUser) async -> IMAPStepResult {
        do {
            let mailbox = try await metadataTarget(name, user)
            if case .failure(let failure) = mailbox { return .failed(tag: tag, failure) }
            let stored = try await store.metadata(of: user.accountID, mailbox: try mailbox.get())
            let (values, longest) = Self.select(stored, wanted, options)
            // §4.2.1: the largest value left out for MAXSIZE, in the tagged OK.
            let code = longest.map { IMAPResponseCode.other("METADATA", "LONGENTRIES \($0)") }
            // §4.2: a METADATA response is required; an entry that is not set is NIL. When MAXSIZE
            // left every value out there is none (entry-values has at least one, §5).
            let untagged: [IMAPResponse] = values.isEmpty ? [] : [.data(.metadata(name, values))]
            return .done(tag: tag, IMAPCompletion(untagged: untagged, code: code, text: "GETMETADATA completed"))
        } catch {
            return .failed(tag: tag, .unavailable("read metadata"))
        }
    }

    func setMetadata(_ tag: String, _ name: IMAPMailboxName, _ values: [IMAPMetadataValue], _ user: AuthenticatedUser) async -> IMAPStepResult {
        do {
            let mailbox = try await metadataTarget(name, user)
            if case .failure(let failure) = mailbox { return .failed(tag: tag, failure) }
            try await store.setMetadata(values.map { MetadataChange(name: $0.entry, value: $0.value) }, of: user.accountID,
                                        mailbox: try mailbox.get(), maxEntries: configuration.metadataMaxEntries)
            return .done(tag: tag, IMAPCompletion(text: "SETMETADATA completed"))
        } catch MailStoreError.metadataTooMany {
            return .failed(tag: tag, .metadataTooMany)
        } catch MailStoreError.mailboxNotFound {
            return .failed(tag: tag, .noSuchMailbox(.nonExistent))
        } catch {
            return .failed(tag: tag, .unavailable("set metadata"))
        }
    }

    /// nil for the server (""); a mailbox of the user's, else `NO [NONEXISTENT]` (§3.3: only
    /// mailboxes LIST returns; a `\Noselect` placeholder is no stored mailbox and has none).
    private func metadataTarget(_ name: IMAPMailboxName, _ user: AuthenticatedUser) async throws -> Result<MailboxID?, IMAPFailure> {
        guard !name.name.isEmpty else { return .success(nil) }
        guard let mailbox = try await store.mailbox(of: user.accountID, named: name.name) else {
            return .failure(.noSuchMailbox(.nonExistent))
        }
        return .success(mailbox.id)
    }

    /// The entries GETMETADATA returns, in the order asked (each with those below it up to
    /// DEPTH, §4.2.2, by name), none twice; values over MAXSIZE left out and the largest such
    /// size returned (§4.2.1). An entry asked for that is not set and has nothing set below it
    /// (within DEPTH) is NIL, so every entry asked for is answered (§4.2: METADATA is required).
    static func select(_ stored: [MetadataEntry], _ wanted: [String], _ options: IMAPGetMetadataOptions)
        -> (values: [IMAPMetadataValue], longest: Int?) {
        let byName = Dictionary(stored.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        var seen = Set<String>()
        var out: [IMAPMetadataValue] = []
        var longest: Int?
        func add(_ name: String, _ value: [UInt8]?) {
            guard seen.insert(name).inserted else { return }
            if let value, let max = options.maxSize, value.count > Int(max) {
                longest = Swift.max(longest ?? 0, value.count)
                return
            }
            out.append(IMAPMetadataValue(entry: name, value: value))
        }
        for entry in wanted {
            let prefix = entry + "/"
            let below = options.depth == .zero ? [] : stored.filter { item in
                item.name.hasPrefix(prefix) && (options.depth == .infinity || !item.name.dropFirst(prefix.count).contains("/"))
            }
            if let value = byName[entry] {
                add(entry, value)
            } else if below.isEmpty {
                add(entry, nil)
            }
            for item in below { add(item.name, item.value) }
        }
        return (out, longest)
    }
}
