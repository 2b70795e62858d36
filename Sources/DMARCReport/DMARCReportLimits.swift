// Every bound on reading a report someone else sent, in one place (RFC 9990 §6.2 "Report
// Contents as an Attack": the decompressor and the XML parser are the targets of zip and XML
// bombs). The defaults fit the largest real reports seen (a big reporter's day for a busy
// domain is a few MB of XML) with room to spare; [dmarc] in docs/configuration.md sets them.

public struct DMARCReportLimits: Sendable, Equatable {
    /// Octets of XML after decompression.
    public var maxXMLBytes: Int
    /// record elements in one report.
    public var maxRecords: Int
    /// Element nesting; the schema needs 6 (feedback/record/auth_results/dkim/domain + 1).
    public var maxDepth: Int
    /// Octets of text in one element.
    public var maxTextBytes: Int
    /// dkim or spf results in one record.
    public var maxAuthResultsPerRecord: Int
    /// Entries read from a ZIP directory.
    public var maxArchiveEntries: Int

    public init(maxXMLBytes: Int = 32 * 1024 * 1024, maxRecords: Int = 100_000, maxDepth: Int = 16, maxTextBytes: Int = 4096,
                maxAuthResultsPerRecord: Int = 64, maxArchiveEntries: Int = 16) {
        self.maxXMLBytes = maxXMLBytes
        self.maxRecords = maxRecords
        self.maxDepth = maxDepth
        self.maxTextBytes = maxTextBytes
        self.maxAuthResultsPerRecord = maxAuthResultsPerRecord
        self.maxArchiveEntries = maxArchiveEntries
    }
}

public enum DMARCReportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A bound in DMARCReportLimits was passed; the name of the bound.
    case limitExceeded(String)
    /// A document type declaration: refused outright, so no entity can expand (XML 1.0 §4.2).
    case doctypeRefused
    case malformedXML(String)
    /// The root element is not feedback.
    case notAggregateReport
    case missingElement(String)
    case invalidValue(element: String, value: String)
    /// The attachment is neither XML, gzip nor ZIP, or the archive holds no XML file.
    case unsupportedAttachment(String)
    case decompression(String)

    public var description: String {
        switch self {
        case .limitExceeded(let bound): "report exceeds the \(bound) limit"
        case .doctypeRefused: "report has a DOCTYPE declaration (refused)"
        case .malformedXML(let detail): "report XML is malformed: \(detail)"
        case .notAggregateReport: "XML root is not <feedback>"
        case .missingElement(let name): "report has no <\(name)>"
        case .invalidValue(let element, let value): "report <\(element)> has an invalid value '\(value.prefix(64))'"
        case .unsupportedAttachment(let detail): "attachment is not a DMARC report: \(detail)"
        case .decompression(let detail): "attachment does not decompress: \(detail)"
        }
    }
}
