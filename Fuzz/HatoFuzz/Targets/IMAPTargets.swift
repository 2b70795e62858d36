// IMAP (RFC 9051, RFC 3501): framing of lines and literals (RFC 7888 LITERAL+/-, RFC 3516
// literal8), AUTHENTICATE and IDLE modes, and the command grammar behind them.

import IMAPProtocol
import NIOCore

/// `imap-framing`: the client stream through `IMAPCommandDecoder` (framing + grammar), with
/// the session's decisions (literal accepted or refused, AUTHENTICATE and IDLE modes) taken
/// from the events, fed whole and drip-fed: the events must be the same.
enum IMAPFramingTarget {
    static func run(_ bytes: [UInt8]) {
        // The first byte chooses the configuration; the rest is the stream.
        let options = bytes.first ?? 0
        let stream = Array(bytes.dropFirst())
        var limits = IMAPLimits()
        limits.maxLineLength = 1024
        limits.maxLiteralSize = 4096
        limits.maxCommandSize = 16384
        limits.maxLiteralsPerCommand = 8
        limits.maxNonSynchronizingLiteralSize = options & 1 == 0 ? nil : IMAPLimits.literalMinusMaximum
        let manual = options & 2 != 0
        let encoding: IMAPTextEncoding = options & 4 == 0 ? .imap4rev1 : .utf8Accepted
        let whole = events(stream, split: false, limits: limits, manual: manual, encoding: encoding)
        let dripped = events(stream, split: true, limits: limits, manual: manual, encoding: encoding)
        Drip.expectSame(whole, dripped, "IMAP events")
    }

    static func events(_ bytes: [UInt8], split: Bool, limits: IMAPLimits, manual: Bool, encoding: IMAPTextEncoding) -> [IMAPCommandEvent] {
        var decoder = IMAPCommandDecoder(limits: limits, encoding: encoding, literalDecisions: manual ? .manual : .automatic)
        var events: [IMAPCommandEvent] = []
        _ = Drip.feed(bytes, split: split) { buffer in
            var steps = 0
            while let event = decoder.next(&buffer) {
                steps += 1
                precondition(steps <= Drip.stepLimit(bytes.count), "IMAPCommandDecoder does not progress")
                events.append(normalized(event))
                decide(event, &decoder)
            }
        }
        return events
    }

    /// What IMAPSession does after an event.
    static func decide(_ event: IMAPCommandEvent, _ decoder: inout IMAPCommandDecoder) {
        switch event {
        case .literalDecisionRequired(let pending):
            // An odd size is refused (quota, APPENDLIMIT): the command ends with a tagged NO.
            if pending.header.size % 2 == 0 { decoder.acceptLiteral() } else { decoder.rejectLiteral() }
        case .command(let tagged):
            switch tagged.command {
            case .authenticate(_, nil): decoder.setMode(.authenticationResponse)
            case .idle: decoder.setMode(.idle)
            default: break
            }
        case .authenticationResponse:
            decoder.setMode(.command)
        default: break
        }
    }

    /// An over-long line reports a prefix for its tag; how much of it was buffered follows the
    /// segmentation, the tag found in it must not.
    static func normalized(_ event: IMAPCommandEvent) -> IMAPCommandEvent {
        event
    }
}

/// `imap-command`: one command's octets straight into `IMAPCommandParser` (the framing
/// decoder's output form: text with literals cut out). Input: the line, then after a NUL each
/// literal's octets separated by NULs, placed at the offsets where the text has "{}".
enum IMAPCommandTarget {
    static let parsers = [IMAPCommandParser(), IMAPCommandParser(encoding: .utf8Accepted)]

    static func run(_ bytes: [UInt8]) {
        let (line, rest) = bytes.splitOnce(0)
        var text: [UInt8] = []
        var literals: [IMAPCommandBytes.Literal] = []
        var pieces = rest.split(separator: 0, omittingEmptySubsequences: false).makeIterator()
        var index = line.startIndex
        while index < line.endIndex {
            if line[index] == UInt8(ascii: "{"), index + 1 < line.endIndex, line[index + 1] == UInt8(ascii: "}") {
                let data = pieces.next() ?? []
                literals.append(.init(offset: text.count, data: ByteBuffer(bytes: data), binary: data.first == 0x7E))
                index += 2
                continue
            }
            text.append(line[index])
            index += 1
        }
        for parser in parsers {
            // RFC 4469 CATENATE URLs are resolved by the server through IMAPURL (RFC 5092).
            guard let command = try? parser.parse(IMAPCommandBytes(text: text, literals: literals)) else { continue }
            var messages: [IMAPAppendMessage] = []
            if case .append(_, let list) = command.command { messages = list }
            if case .replace(_, _, let message, _) = command.command { messages = [message] }
            for case .url(let url) in messages.flatMap({ $0.catenate ?? [] }) { checkURL(url) }
            checkMetadata(command.command)
            checkContext(command.command)
            checkNotify(command.command)
            checkURLAuth(command.command)
        }
        checkURL(String(decoding: line, as: UTF8.self))
        checkAuthorizedURL(String(decoding: line, as: UTF8.self))
        _ = IMAPCommandParser.tag(of: line)
        _ = IMAPSASLResponse.parse(ByteBuffer(bytes: line))
        // Mailbox names: modified UTF-7 that decodes must survive a round trip.
        if let name = ModifiedUTF7.decode(line) {
            precondition(ModifiedUTF7.decode(Array(ModifiedUTF7.encode(name).utf8)) == name, "modified UTF-7 round trip")
        }
    }
}

extension IMAPCommandTarget {
    /// RFC 5464: every entry name GETMETADATA or SETMETADATA yields is valid and lowercase (the
    /// rules hold for it again), and a METADATA response of the values encodes.
    static func checkMetadata(_ command: IMAPCommand) {
        var names: [String] = []
        switch command {
        case .getMetadata(_, _, let entries): names = entries
        case .setMetadata(let mailbox, let values):
            names = values.map(\.entry)
            for encoding in [IMAPTextEncoding.imap4rev1, .utf8Accepted] {
                let bytes = IMAPResponseEncoder(encoding: encoding).encode(.data(.metadata(mailbox, values)))
                precondition(bytes.readableBytes > 0, "METADATA response")
            }
        default: return
        }
        for name in names {
            precondition(IMAPMetadataEntry.validated(Array(name.utf8)) == name, "metadata entry name not valid and lowercase: \(name)")
        }
    }

    /// RFC 5465 §8: a parsed NOTIFY SET has at least one event group, a MessageNew fetch-att list
    /// is never empty, an event-ext is a non-empty atom; the §5/§6.1 rules always give a verdict.
    static func checkNotify(_ command: IMAPCommand) {
        guard case .notify(let notify) = command else { return }
        _ = notify.violation
        guard case .set(_, let groups) = notify else { return }
        precondition(!groups.isEmpty, "NOTIFY SET without an event group")
        for event in groups.flatMap(\.events) {
            if case .messageNew(let list?) = event { precondition(!list.isEmpty, "empty MessageNew fetch-att list") }
            if case .other(let atom) = event { precondition(!atom.isEmpty && !atom.contains(" "), "event-ext not an atom: \(atom)") }
        }
        let entries = IMAPResponseEncoder().encode(.data(.metadataEntries(IMAPMailboxName("INBOX"), ["/private/comment"])))
        precondition(entries.readableBytes > 0, "METADATA entry-list response")
    }

    /// RFC 5267 §4.4, §5: a parsed SEARCH or SORT has at most one PARTIAL or ALL, and a PARTIAL
    /// range of non-zero numbers; CANCELUPDATE names at least one tag.
    static func checkContext(_ command: IMAPCommand) {
        var options: [IMAPSearchReturnOption]? = nil
        switch command {
        case .search(let search, _): options = search.returnOptions
        case .sort(let sort, _): options = sort.search.returnOptions
        case .cancelUpdate(let tags): precondition(!tags.isEmpty, "CANCELUPDATE without a tag")
        default: return
        }
        guard let options else { return }
        precondition(options.filter { $0 == .all || $0.isPartial }.count <= 1, "more than one PARTIAL or ALL")
        if let range = options.partialRange { precondition(range.lowerBound >= 1, "PARTIAL range with 0") }
        let response = IMAPESearchResponse(tag: "t", uid: true, updates: [.addTo([IMAPESearchPosition(0, .ranges([]))])])
        precondition(IMAPResponseEncoder().encode(.data(.esearch(response))).readableBytes > 0, "ESEARCH response")
    }

    /// A URL that parses names a mailbox without empty, "." or ".." levels, and parses the same
    /// relative to any selected mailbox once it is absolute.
    static func checkURL(_ url: String) {
        let selected = IMAPMailboxName("Work/Drafts")
        guard let parsed = IMAPURL.parse(url, selectedMailbox: selected) else { return }
        precondition(!parsed.mailbox.name.isEmpty && parsed.uid > 0, "IMAP URL without a mailbox or UID")
        if url.hasPrefix("/") {
            precondition(IMAPURL.parse(url, selectedMailbox: nil) == parsed, "an absolute IMAP URL depends on the selected mailbox")
        }
    }
}
