import Synchronization
// The one header splitter every reader of a message uses: DKIM, DMARC, ARC, the
// Authentication-Results filter, the IMAP server and the MIME parser all read header fields
// through `HeaderParser` (RFC 5322 §2.2), so they agree on where a field and the header end.

extension HeaderSection {
    /// The top-level header section of `bytes` and where the body starts, without building the
    /// MIME tree: for readers that need only the fields (an IMAP HEADER.FIELDS fetch, DKIM over
    /// bytes that were not received through `ReceivedMessage`).
    public static func parse(_ bytes: [UInt8], in range: Range<Int>? = nil,
                             limits: MessageLimits = .default) -> (section: HeaderSection, bodyStart: Int) {
        MessageParseCounter.count()
        let range = range ?? 0..<bytes.count
        let result = HeaderParser.parse(bytes, from: range.lowerBound, to: range.upperBound, limits: limits, section: "")
        return (result.section, result.bodyStart)
    }
}

/// Counts how often a message is parsed (`MIMEMessage(parsing:)`, `HeaderSection.parse`) in
/// the current task and its child tasks, so a test can prove that reception parses a message
/// once (issue: one reception pipeline). Costs one task-local read when nobody counts.
public final class MessageParseCounter: Sendable {
    @TaskLocal public static var current: MessageParseCounter?

    private let storage = Mutex(0)

    public init() {}

    /// Parses counted so far.
    public var parses: Int { storage.withLock { $0 } }

    static func count() {
        current?.storage.withLock { $0 += 1 }
    }
}
