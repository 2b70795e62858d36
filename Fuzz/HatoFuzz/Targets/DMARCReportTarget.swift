// `dmarc-report`: an attachment someone mailed to the reports address, through ReportAttachment
// (format sniffing, gzip or ZIP + raw DEFLATE under the output bound, the XML parser and its
// limits); a parsed report must respect the limits and write XML that parses back to itself.
// `zlib-inflate`: the bytes as gzip, raw DEFLATE and zlib streams through BoundedInflate.

import BoundedZlib
import DMARCReport

enum DMARCReportTarget {
    static let limits = DMARCReportLimits(maxXMLBytes: 256 * 1024, maxRecords: 64, maxTextBytes: 512, maxAuthResultsPerRecord: 8,
                                          maxArchiveEntries: 8)

    static func run(_ bytes: [UInt8]) {
        guard let report = try? ReportAttachment.report(from: bytes, limits: limits) else { return }
        precondition(report.records.count <= limits.maxRecords, "more records than the limit")
        precondition(report.records.allSatisfy { $0.dkimResults.count + $0.spfResults.count <= limits.maxAuthResultsPerRecord },
                     "more auth results than the limit")
        // What Hato writes it must read back the same (texts are trimmed on reading: compare trimmed).
        let again = try? AggregateReportParser.parse(Array(report.xml().utf8), limits: DMARCReportLimits())
        precondition(again != nil, "Hato's XML of a parsed report does not parse")
        precondition(again?.records.count == report.records.count, "records lost writing and reading back")
    }
}

enum ZlibInflateTarget {
    static func run(_ bytes: [UInt8]) {
        for format in [ZlibFormat.gzip, .rawDeflate, .zlib] {
            for bound in [0, 100, 64 * 1024] {
                if let output = try? BoundedInflate.inflate(bytes, format: format, maxOutput: bound) {
                    precondition(output.count <= bound, "inflate wrote past its bound")
                }
            }
        }
    }
}
