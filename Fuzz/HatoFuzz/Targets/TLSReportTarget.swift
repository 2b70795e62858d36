// `tls-report`: a TLS report (RFC 8460) someone sent, gzip or plain JSON, through TLSReport.parse
// under its bounds; a parsed report must respect them and write JSON that parses back to itself.
// The same bytes as `_smtp._tls` TXT records (§3): URIs come back non-empty and printable.

import DMARCReport

enum TLSReportTarget {
    static func run(_ bytes: [UInt8]) {
        if let report = try? TLSReport.parse(bytes, maxJSONBytes: 256 * 1024, maxPolicies: 64) {
            precondition(report.policies.count <= 64, "more policies than the limit")
            let again = try? TLSReport.parse(report.json())
            precondition(again == report, "Hato's JSON of a parsed report does not read back the same")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let records = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if let uris = TLSRPTRecord.reportURIs(records) {
            precondition(!uris.isEmpty && uris.allSatisfy { !$0.isEmpty && $0.unicodeScalars.allSatisfy { (0x21...0x7E).contains($0.value) } },
                         "an empty or unprintable rua URI")
        }
    }
}
