// The XML inside a report attachment: RFC 9990 §4.4 says gzip ("application/gzip", .xml.gz);
// reporters also send ZIP (RFC 7489 §7.2.1.1 allowed it) and plain XML. The format is told by
// the first octets, never by the file name or media type a sender chose; every decompression is
// bounded by maxXMLBytes while it runs (BoundedZlib).

import BoundedZlib
import RiskAssessment

public enum ReportAttachment {
    public enum Format: String, Sendable, Equatable {
        case xml, gzip, zip
    }

    /// The container, from the content: gzip magic (RFC 1952 §2.3.1), a ZIP header, or "<"
    /// after an optional byte order mark and white space.
    public static func format(of bytes: [UInt8]) -> Format? {
        if bytes.count >= 2, bytes[0] == 0x1F, bytes[1] == 0x8B { return .gzip }
        if ZipDirectory.looksLikeZip(bytes[...]) { return .zip }
        var index = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
        while index < bytes.count, [0x20, 0x09, 0x0D, 0x0A].contains(bytes[index]) { index += 1 }
        return index < bytes.count && bytes[index] == 0x3C ? .xml : nil
    }

    /// The XML document the attachment carries, at most `limits.maxXMLBytes` octets.
    public static func xml(from bytes: [UInt8], limits: DMARCReportLimits) throws(DMARCReportError) -> [UInt8] {
        switch format(of: bytes) {
        case .xml:
            guard bytes.count <= limits.maxXMLBytes else { throw .limitExceeded("maxXMLBytes") }
            return bytes
        case .gzip:
            return try inflate(bytes, format: .gzip, limits: limits)
        case .zip:
            return try xmlFromZip(bytes, limits: limits)
        case nil:
            throw .unsupportedAttachment("neither XML, gzip nor ZIP")
        }
    }

    /// Parses the attachment into a report.
    public static func report(from bytes: [UInt8], limits: DMARCReportLimits = DMARCReportLimits()) throws(DMARCReportError) -> AggregateReport {
        try AggregateReportParser.parse(try xml(from: bytes, limits: limits), limits: limits)
    }

    /// The first .xml entry (any entry when none is named so): reporters put exactly one file in
    /// the archive. Stored (0) and deflated (8) entries only (APPNOTE §4.4.5).
    static func xmlFromZip(_ bytes: [UInt8], limits: DMARCReportLimits) throws(DMARCReportError) -> [UInt8] {
        guard let (entries, _) = ZipDirectory.list(bytes[...], maxEntries: limits.maxArchiveEntries) else {
            throw .unsupportedAttachment("ZIP without a readable central directory")
        }
        let files = entries.filter { !$0.isDirectory }
        guard let entry = files.first(where: { $0.name.lowercased().hasSuffix(".xml") }) ?? files.first else {
            throw .unsupportedAttachment("empty ZIP archive")
        }
        guard !entry.encrypted else { throw .unsupportedAttachment("encrypted ZIP entry") }
        guard let data = ZipDirectory.entryData(of: entry, in: bytes[...]) else { throw .unsupportedAttachment("ZIP entry outside the archive") }
        switch entry.method {
        case 0:
            guard data.count <= limits.maxXMLBytes else { throw .limitExceeded("maxXMLBytes") }
            return Array(data)
        case 8:
            return try inflate(Array(data), format: .rawDeflate, limits: limits)
        default:
            throw .unsupportedAttachment("ZIP compression method \(entry.method)")
        }
    }

    static func inflate(_ bytes: [UInt8], format: ZlibFormat, limits: DMARCReportLimits) throws(DMARCReportError) -> [UInt8] {
        do {
            return try BoundedInflate.inflate(bytes, format: format, maxOutput: limits.maxXMLBytes)
        } catch .outputLimitExceeded {
            throw .limitExceeded("maxXMLBytes")
        } catch {
            throw .decompression("\(error)")
        }
    }
}
