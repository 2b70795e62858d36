// `hato message inspect FILE [--json]`: prints what the MailMessage parser sees in a message;
// `hato message assess` (MessageAssessCommand.swift) runs the risk assessment on one.
import ArgumentParser
import Foundation
import MailMessage

struct MessageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "message",
        abstract: "Look inside mail messages.",
        subcommands: [Inspect.self, Assess.self]
    )

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the decoded headers, the MIME part tree and any problems found in a message file."
        )

        @Argument(help: "A message file (RFC 5322, as stored or as an .eml); '-' reads standard input.")
        var file: String

        @Flag(help: "Print JSON for scripts instead of text.")
        var json = false

        func run() throws {
            let data: Data
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let read = FileManager.default.contents(atPath: file) else {
                    throw ValidationError("cannot read \(file)")
                }
                data = read
            }
            let report = MessageReport(MIMEMessage(parsing: Array(data)))
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                encoder.dateEncodingStrategy = .iso8601
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(report.text, terminator: "")
            }
        }
    }
}

/// What `inspect` reports; its JSON form is stable for scripts.
struct MessageReport: Encodable {
    struct Part: Encodable {
        var section: String
        var contentType: String
        var charset: String?
        var transferEncoding: String
        var disposition: String?
        var filename: String?
        var contentID: String?
        var size: Int
        var lines: Int?
        var depth: Int
        /// A message/rfc822 part's own header fields, decoded (a forwarded or attached message).
        var enclosed: Enclosed?
    }

    struct Enclosed: Encodable {
        var from: [String]
        var subject: String?
        var date: Date?
    }

    var size: Int
    var headers: [String: [String]]
    var headerOrder: [String]
    var subject: String?
    var from: [String]
    var to: [String]
    var cc: [String]
    var date: Date?
    var messageID: String?
    var parts: [Part]
    var problems: [String]

    init(_ message: MIMEMessage) {
        let header = message.header
        size = message.bytes.count
        headerOrder = header.fields.map(\.name)
        var headers: [String: [String]] = [:]
        for field in header.fields { headers[field.name.lowercased(), default: []].append(field.decodedValue) }
        self.headers = headers
        subject = header.subject
        from = header.from.mailboxes.map(\.description)
        to = header.to.mailboxes.map(\.description)
        cc = header.cc.mailboxes.map(\.description)
        date = header.date?.date
        messageID = header.messageID
        var problems = message.problems.map(\.description)
        var parts: [Part] = []
        var depthOf: [[Int]: Int] = [[]: 0]
        for part in message.root.allParts {
            let depth = part.section.isEmpty ? 0 : (depthOf[Array(part.section.dropLast())].map { $0 + 1 } ?? part.section.count)
            depthOf[part.section] = depth
            var lines: Int? = nil
            if part.contentType.isText || part.contentType.isMessage {
                let body = message.rawBody(of: part)
                lines = body.isEmpty ? 0 : body.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } + (body.last == 0x0A ? 0 : 1)
            }
            if part.isLeaf {
                let raw = message.rawBody(of: part)
                if part.transferEncoding == .base64 && !Base64.decode(raw).clean {
                    problems.append(MessageProblem(.invalidBase64, section: part.sectionString).description)
                }
                if part.transferEncoding == .quotedPrintable && !QuotedPrintable.decode(raw).clean {
                    problems.append(MessageProblem(.invalidQuotedPrintable, section: part.sectionString).description)
                }
            }
            if let decoded = message.text(of: part) {
                problems += decoded.problems.map { MessageProblem($0.kind, section: part.sectionString, detail: $0.detail).description }
            }
            let encapsulated = parts.contains { $0.section == part.sectionString }
            let label = part.sectionString.isEmpty ? "(message)" : part.sectionString + (encapsulated ? " (enclosed message)" : "")
            parts.append(Part(section: label,
                              contentType: part.contentType.mimeType, charset: part.contentType.charset,
                              transferEncoding: part.transferEncoding.rawValue, disposition: part.contentDisposition?.type,
                              filename: part.filename, contentID: part.header.contentID, size: part.bodyRange.length,
                              lines: lines, depth: depth,
                              enclosed: part.encapsulatedMessage.map { inner in
                                  Enclosed(from: inner.header.from.mailboxes.map(\.description), subject: inner.header.subject,
                                           date: inner.header.date?.date)
                              }))
        }
        self.parts = parts
        self.problems = problems
    }

    var text: String {
        var out = ""
        out += "Size:       \(size) octets\n"
        if let subject { out += "Subject:    \(subject)\n" }
        if !from.isEmpty { out += "From:       \(from.joined(separator: ", "))\n" }
        if !to.isEmpty { out += "To:         \(to.joined(separator: ", "))\n" }
        if !cc.isEmpty { out += "Cc:         \(cc.joined(separator: ", "))\n" }
        if let date { out += "Date:       \(ISO8601DateFormatter().string(from: date))\n" }
        if let messageID { out += "Message-ID: <\(messageID)>\n" }
        out += "\nHeaders (\(headerOrder.count)):\n"
        var seen: [String: Int] = [:]
        for name in headerOrder {
            let key = name.lowercased()
            let index = seen[key, default: 0]
            seen[key] = index + 1
            out += "  \(name): \(headers[key]?[index] ?? "")\n"
        }
        out += "\nParts:\n"
        for p in parts {
            var line = String(repeating: "  ", count: p.depth + 1) + "\(p.section)  \(p.contentType)"
            if let c = p.charset { line += "; charset=\(c)" }
            line += "  \(p.transferEncoding)  \(p.size) octets"
            if let l = p.lines { line += ", \(l) lines" }
            if let d = p.disposition { line += "  \(d)" }
            if let f = p.filename { line += "  \"\(f)\"" }
            if let c = p.contentID { line += "  <\(c)>" }
            out += line + "\n"
            if let enclosed = p.enclosed {
                let indent = String(repeating: "  ", count: p.depth + 2)
                if !enclosed.from.isEmpty { out += indent + "From:    \(enclosed.from.joined(separator: ", "))\n" }
                if let subject = enclosed.subject { out += indent + "Subject: \(subject)\n" }
                if let date = enclosed.date { out += indent + "Date:    \(ISO8601DateFormatter().string(from: date))\n" }
            }
        }
        out += problems.isEmpty ? "\nNo problems found.\n" : "\nProblems (\(problems.count)):\n" + problems.map { "  \($0)\n" }.joined()
        return out
    }
}
