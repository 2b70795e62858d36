// The risk assessment's own parsers (issue 18): the ZIP central directory lister (with the OLE
// directory reader and the nested-archive walk behind it) and the HTML tokenizer, each also run
// through the whole assessment as a message part.

import MailMessage
import RiskAssessment

enum RiskFuzz {
    static let assessor = RiskAssessor(policy: RiskPolicy(), suffixes: PublicSuffixList(text: "jp\nco.jp\ncom\n*.ck\n!www.ck\n"))

    static func context() -> RiskContext {
        var context = RiskContext()
        context.ourDomains = ["example.jp"]
        context.partnerDomains = ["example.co.jp"]
        return context
    }

    /// A message carrying `bytes` as one binary part of `type`.
    static func message(_ type: String, _ bytes: [UInt8]) -> MIMEMessage {
        let header = "From: A <a@example-co.jp>\r\nTo: b@example.jp\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"=_b\"\r\n\r\n"
            + "--=_b\r\nContent-Type: \(type)\r\nContent-Transfer-Encoding: binary\r\n\r\n"
        return MIMEMessage(parsing: Array(header.utf8) + bytes + Array("\r\n--=_b--\r\n".utf8))
    }
}

/// `zip-directory`: `ZipDirectory.list` within its entry limit, every stored entry's data inside
/// the input, then the bytes as an attachment (ZIP, OLE, nested archives) through the assessment.
enum ZipDirectoryTarget {
    static func run(_ bytes: [UInt8]) {
        if let (entries, _) = ZipDirectory.list(bytes[...], maxEntries: 64) {
            precondition(entries.count <= 64, "more entries than the limit")
            for entry in entries {
                if let data = ZipDirectory.storedData(of: entry, in: bytes[...]) {
                    precondition(data.startIndex >= 0 && data.endIndex <= bytes.count, "stored data outside the archive")
                    precondition(UInt64(data.count) == entry.compressedSize, "stored data of another size than declared")
                }
            }
        }
        let report = RiskFuzz.assessor.assess(RiskFuzz.message("application/zip; name=\"a.zip\"", bytes), context: RiskFuzz.context())
        precondition(report.score >= 0 && report.signals.count == Set(report.signals.map(\.name)).count, "one entry per signal")
    }
}

/// `html-tokenizer`: the tokenizer stops at its token limit and gives the same tokens twice;
/// the bytes as an HTML part go through the HTML checks.
enum HTMLTokenizerTarget {
    static func run(_ bytes: [UInt8]) {
        let html = String(decoding: bytes, as: UTF8.self)
        var tokenizer = HTMLTokenizer(html, maxBytes: 1 << 20, maxTokens: 1000)
        var tokens: [HTMLToken] = []
        while let token = tokenizer.next() {
            tokens.append(token)
            precondition(tokens.count <= 1000, "more tokens than the limit")
        }
        precondition(Array(HTMLTokenizer(html, maxBytes: 1 << 20, maxTokens: 1000)) == tokens, "tokenizing is not deterministic")
        for case .startTag(let name, let attributes, _) in tokens {
            precondition(!name.isEmpty && attributes.count <= HTMLTokenizer.maxAttributes, "tag without a name or too many attributes")
        }
        _ = RiskFuzz.assessor.assess(RiskFuzz.message("text/html; charset=utf-8", bytes), context: RiskFuzz.context())
    }
}
