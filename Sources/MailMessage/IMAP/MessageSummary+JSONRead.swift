// The stored form of a summary read by hand (SummaryJSONReader), with the rules of the Codable
// conformances JSONDecoder used to apply: every non-optional member present and not null, an
// optional member missing or null reads as nil, members in any order, unknown members ignored,
// dates as seconds since 1970, BodyStructure as {"single": ...} or {"multipart": ...}.
import Foundation

private typealias Reader = SummaryJSONReader

private func required<T>(_ value: T?) throws -> T {
    guard let value else { throw SummaryJSONError() }
    return value
}

extension SummaryJSONReader {
    /// An optional member: nil when the value is null.
    fileprivate mutating func optionalString() throws -> String? { null() ? nil : try string() }
    fileprivate mutating func optionalInt() throws -> Int? { null() ? nil : try int() }
    fileprivate mutating func strings() throws -> [String] { try array { try $0.string() } }
    fileprivate mutating func ints() throws -> [Int] { try array { try $0.int() } }
}

extension MessageSummary {
    static func readStoredForm(_ reader: inout SummaryJSONReader) throws -> MessageSummary {
        var size: Int?, envelope: Envelope?, body: BodyStructure?, sections: [SectionLocation]?, date: Double?
        var subject: String?, messageID: String?, inReplyTo: [String]?, references: [String]?
        var hasAttachments: Bool?, problems: [MessageProblem]?
        try reader.object { r, key in
            switch key {
            case "size": size = try r.int()
            case "envelope": envelope = try Envelope.read(&r)
            case "bodyStructure": body = try BodyStructure.read(&r)
            case "sections": sections = try r.array { try SectionLocation.read(&$0) }
            case "date": date = r.null() ? nil : try r.double()
            case "subject": subject = try r.optionalString()
            case "messageID": messageID = try r.optionalString()
            case "inReplyTo": inReplyTo = try r.strings()
            case "references": references = try r.strings()
            case "hasAttachments": hasAttachments = try r.bool()
            case "problems": problems = try r.array { try MessageProblem.read(&$0) }
            default: try r.skipValue()
            }
        }
        return try MessageSummary(size: required(size), envelope: required(envelope), bodyStructure: required(body),
                                  sections: required(sections), date: date.map { Date(timeIntervalSince1970: $0) },
                                  subject: subject, messageID: messageID, inReplyTo: required(inReplyTo),
                                  references: required(references), hasAttachments: required(hasAttachments),
                                  problems: required(problems))
    }

    private init(size: Int, envelope: Envelope, bodyStructure: BodyStructure, sections: [SectionLocation], date: Date?,
                 subject: String?, messageID: String?, inReplyTo: [String], references: [String], hasAttachments: Bool,
                 problems: [MessageProblem]) {
        self.size = size; self.envelope = envelope; self.bodyStructure = bodyStructure; self.sections = sections
        self.date = date; self.subject = subject; self.messageID = messageID; self.inReplyTo = inReplyTo
        self.references = references; self.hasAttachments = hasAttachments; self.problems = problems
    }
}

extension SectionLocation {
    fileprivate static func read(_ reader: inout Reader) throws -> SectionLocation {
        var section: [Int]?, header: ByteRange?, body: ByteRange?, messageHeader: ByteRange?, messageText: ByteRange?
        try reader.object { r, key in
            switch key {
            case "section": section = try r.ints()
            case "header": header = try ByteRange.read(&r)
            case "body": body = try ByteRange.read(&r)
            case "messageHeader": messageHeader = r.null() ? nil : try ByteRange.read(&r)
            case "messageText": messageText = r.null() ? nil : try ByteRange.read(&r)
            default: try r.skipValue()
            }
        }
        return try SectionLocation(section: required(section), header: required(header), body: required(body),
                                   messageHeader: messageHeader, messageText: messageText)
    }
}

extension ByteRange {
    fileprivate static func read(_ reader: inout Reader) throws -> ByteRange {
        var offset: Int?, length: Int?
        try reader.object { r, key in
            switch key {
            case "offset": offset = try r.int()
            case "length": length = try r.int()
            default: try r.skipValue()
            }
        }
        return try ByteRange(offset: required(offset), length: required(length))
    }
}

extension MessageProblem {
    fileprivate static func read(_ reader: inout Reader) throws -> MessageProblem {
        var kind: Kind?, section: String?, detail: String?
        try reader.object { r, key in
            switch key {
            case "kind":
                guard let known = Kind(rawValue: try r.string()) else { throw SummaryJSONError() }
                kind = known
            case "section": section = try r.string()
            case "detail": detail = try r.string()
            default: try r.skipValue()
            }
        }
        return try MessageProblem(required(kind), section: required(section), detail: required(detail))
    }
}

extension Envelope {
    fileprivate static func read(_ reader: inout Reader) throws -> Envelope {
        var e = Envelope()
        var lists = 0  // one bit per address list read: none of them is optional in the Codable form
        try reader.object { r, key in
            switch key {
            case "date": e.date = try r.optionalString()
            case "subject": e.subject = try r.optionalString()
            case "from": e.from = try EnvelopeAddress.list(&r); lists |= 1
            case "sender": e.sender = try EnvelopeAddress.list(&r); lists |= 2
            case "replyTo": e.replyTo = try EnvelopeAddress.list(&r); lists |= 4
            case "to": e.to = try EnvelopeAddress.list(&r); lists |= 8
            case "cc": e.cc = try EnvelopeAddress.list(&r); lists |= 16
            case "bcc": e.bcc = try EnvelopeAddress.list(&r); lists |= 32
            case "inReplyTo": e.inReplyTo = try r.optionalString()
            case "messageID": e.messageID = try r.optionalString()
            default: try r.skipValue()
            }
        }
        guard lists == 63 else { throw SummaryJSONError() }
        return e
    }
}

extension EnvelopeAddress {
    fileprivate static func list(_ reader: inout Reader) throws -> [EnvelopeAddress] {
        try reader.array { r in
            var a = EnvelopeAddress(name: nil, adl: nil, mailbox: nil, host: nil)
            try r.object { r, key in
                switch key {
                case "name": a.name = try r.optionalString()
                case "adl": a.adl = try r.optionalString()
                case "mailbox": a.mailbox = try r.optionalString()
                case "host": a.host = try r.optionalString()
                default: try r.skipValue()
                }
            }
            return a
        }
    }
}

extension MIMEParameter {
    fileprivate static func list(_ reader: inout Reader) throws -> [MIMEParameter] {
        try reader.array { r in
            var name: String?, value: String?
            try r.object { r, key in
                switch key {
                case "name": name = try r.string()
                case "value": value = try r.string()
                default: try r.skipValue()
                }
            }
            return try MIMEParameter(name: required(name), value: required(value))
        }
    }
}

extension BodyStructure {
    fileprivate static func read(_ reader: inout Reader) throws -> BodyStructure {
        var single: SinglePart?, multipart: Multipart?
        try reader.object { r, key in
            switch key {
            case "single": single = r.null() ? nil : try SinglePart.read(&r)
            case "multipart": multipart = r.null() ? nil : try Multipart.read(&r)
            default: try r.skipValue()
            }
        }
        if let multipart { return .multipart(multipart) }  // as init(from:): multipart first
        return .singlePart(try required(single))
    }
}

extension BodyStructure.SinglePart {
    fileprivate static func read(_ reader: inout Reader) throws -> Self {
        var type: String?, subtype: String?, parameters: [MIMEParameter]?, encoding: String?, octets: Int?
        var id: String?, description: String?, lines: Int?, message: BodyStructure.EncapsulatedMessage?, md5: String?
        var disposition: BodyStructure.Disposition?, language: [String]?, location: String?
        try reader.object { r, key in
            switch key {
            case "type": type = try r.string()
            case "subtype": subtype = try r.string()
            case "parameters": parameters = try MIMEParameter.list(&r)
            case "id": id = try r.optionalString()
            case "description": description = try r.optionalString()
            case "encoding": encoding = try r.string()
            case "octets": octets = try r.int()
            case "lines": lines = try r.optionalInt()
            case "message": message = r.null() ? nil : try BodyStructure.EncapsulatedMessage.read(&r)
            case "md5": md5 = try r.optionalString()
            case "disposition": disposition = r.null() ? nil : try BodyStructure.Disposition.read(&r)
            case "language": language = r.null() ? nil : try r.strings()
            case "location": location = try r.optionalString()
            default: try r.skipValue()
            }
        }
        return try Self(type: required(type), subtype: required(subtype), parameters: required(parameters), id: id,
                        description: description, encoding: required(encoding), octets: required(octets), lines: lines,
                        message: message, md5: md5, disposition: disposition, language: language, location: location)
    }
}

extension BodyStructure.Multipart {
    fileprivate static func read(_ reader: inout Reader) throws -> Self {
        var parts: [BodyStructure]?, subtype: String?, parameters: [MIMEParameter]?
        var disposition: BodyStructure.Disposition?, language: [String]?, location: String?
        try reader.object { r, key in
            switch key {
            case "parts": parts = try r.array { try BodyStructure.read(&$0) }
            case "subtype": subtype = try r.string()
            case "parameters": parameters = try MIMEParameter.list(&r)
            case "disposition": disposition = r.null() ? nil : try BodyStructure.Disposition.read(&r)
            case "language": language = r.null() ? nil : try r.strings()
            case "location": location = try r.optionalString()
            default: try r.skipValue()
            }
        }
        return try Self(parts: required(parts), subtype: required(subtype), parameters: required(parameters),
                        disposition: disposition, language: language, location: location)
    }
}

extension BodyStructure.EncapsulatedMessage {
    fileprivate static func read(_ reader: inout Reader) throws -> Self {
        var envelope: Envelope?, body: BodyStructure?
        try reader.object { r, key in
            switch key {
            case "envelope": envelope = try Envelope.read(&r)
            case "body": body = try BodyStructure.read(&r)
            default: try r.skipValue()
            }
        }
        return try Self(envelope: required(envelope), body: required(body))
    }
}

extension BodyStructure.Disposition {
    fileprivate static func read(_ reader: inout Reader) throws -> Self {
        var type: String?, parameters: [MIMEParameter]?
        try reader.object { r, key in
            switch key {
            case "type": type = try r.string()
            case "parameters": parameters = try MIMEParameter.list(&r)
            default: try r.skipValue()
            }
        }
        return try Self(type: required(type), parameters: required(parameters))
    }
}
