// Building the MIME tree over the original bytes (RFC 2045, RFC 2046 §5.1.1, §5.2.1).
// Bodies are never copied: parts are offsets into the input.

struct MIMEParser {
    let bytes: [UInt8]
    let limits: MessageLimits
    var problems: [MessageProblem] = []
    var totalParts = 0
    private var reportedPartLimit = false

    init(bytes: [UInt8], limits: MessageLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    static func sectionString(_ s: [Int]) -> String { s.map(String.init).joined(separator: ".") }

    /// entity-headers [CRLF body]: parses one entity (a message or a body part) in `range`.
    /// `isMessage` is true for the top-level message and encapsulated messages, false for body parts:
    /// a message whose own body is a message/rfc822 numbers that body as part 1 (RFC 9051 §6.4.5).
    mutating func parseEntity(_ range: Range<Int>, section: [Int], depth: Int, defaultType: ContentType, isMessage: Bool) -> MIMEPart {
        totalParts += 1
        let sectionName = MIMEParser.sectionString(section)
        let head = HeaderParser.parse(bytes, from: range.lowerBound, to: range.upperBound, limits: limits, section: sectionName)
        problems += head.problems
        let header = head.section
        let bodyRange = head.bodyStart..<range.upperBound

        var contentType = defaultType
        var explicit = false
        if let field = header.field("Content-Type") {
            var ctProblems: [MessageProblem] = []
            if let parsed = ContentType.parse(field.unfoldedValue, problems: &ctProblems) {
                contentType = parsed
                explicit = true
            } else {
                // RFC 2045 §5.2: an unreadable Content-Type means text/plain; charset=us-ascii
                contentType = .defaultText
                problems.append(MessageProblem(.invalidContentType, section: sectionName, detail: field.value))
            }
            problems += ctProblems.map { MessageProblem($0.kind, section: sectionName, detail: $0.detail) }
        }
        let cteField = header.field("Content-Transfer-Encoding")
        let encoding = cteField.map { TransferEncoding(headerValue: $0.value) } ?? .sevenBit
        if encoding == .unknown {
            problems.append(MessageProblem(.unknownTransferEncoding, section: sectionName, detail: cteField?.value ?? ""))
        }
        let disposition = header.field("Content-Disposition").flatMap { ContentDisposition(headerValue: $0.unfoldedValue) }

        var part = MIMEPart(section: section, header: header, bodyRange: ByteRange(bodyRange), contentType: contentType,
                            hasExplicitContentType: explicit, transferEncoding: encoding, contentDisposition: disposition,
                            content: .leaf)

        if contentType.isMultipart || contentType.isMessage {
            if depth >= limits.maxDepth {
                problems.append(MessageProblem(.depthLimitExceeded, section: sectionName, detail: "deeper than \(limits.maxDepth)"))
                return part
            }
            if totalParts >= limits.maxTotalParts {
                if !reportedPartLimit { problems.append(MessageProblem(.partLimitExceeded, section: sectionName)); reportedPartLimit = true }
                return part
            }
        }
        if contentType.isMultipart {
            guard let boundary = contentType.boundary, !boundary.isEmpty else {
                problems.append(MessageProblem(.missingBoundary, section: sectionName))
                part.contentType = .defaultText
                return part
            }
            let childDefault: ContentType = contentType.subtype == "digest" ? .defaultDigestPart : .defaultText
            if let multipart = parseMultipart(bodyRange, boundary: boundary, section: section, depth: depth, childDefault: childDefault) {
                part.content = .multipart(multipart)
            } else {
                problems.append(MessageProblem(.missingStartBoundary, section: sectionName, detail: "boundary \(boundary)"))
                part.contentType = .defaultText
            }
        } else if contentType.isMessage {
            if encoding == .base64 || encoding == .quotedPrintable {
                // RFC 2046 §5.2.1 forbids this for message/rfc822; kept as an opaque leaf
                problems.append(MessageProblem(.encodedMessagePart, section: sectionName))
            } else {
                let inner = parseEntity(bodyRange, section: isMessage ? section + [1] : section, depth: depth + 1,
                                        defaultType: .defaultText, isMessage: true)
                part.content = .message(inner)
            }
        }
        return part
    }

    /// multipart-body := [preamble CRLF] dash-boundary transport-padding CRLF body-part
    ///                   *encapsulation close-delimiter transport-padding [CRLF epilogue]
    /// delimiter := CRLF dash-boundary ; close-delimiter := delimiter "--"      (RFC 2046 §5.1.1)
    /// The CRLF before a delimiter belongs to the delimiter, not to the part before it.
    /// Returns nil when no delimiter line is found at all.
    mutating func parseMultipart(_ body: Range<Int>, boundary: String, section: [Int], depth: Int, childDefault: ContentType) -> MIMEPart.Multipart? {
        let dash: [UInt8] = [ASCII.hyphen, ASCII.hyphen] + Array(boundary.utf8)
        var delimiters: [(lineStart: Int, next: Int)] = []
        var closeLine: (lineStart: Int, next: Int)? = nil
        var firstDelimiterLine: Int? = nil
        // Only the delimiters of parts that may still be parsed are kept, plus one that ends the
        // last of them: a million-part bomb is scanned for its close delimiter, never stored.
        let keep = max(0, min(limits.maxPartsPerMultipart, limits.maxTotalParts - totalParts)) + 1

        let needle: [UInt8] = [ASCII.lf, ASCII.hyphen, ASCII.hyphen]
        var lineStart = body.lowerBound
        while true {
            if let (isClose, next) = matchDelimiter(dash, at: lineStart, end: body.upperBound) {
                // A delimiter line directly followed by another has no body-part at all (not
                // even the CRLF a delimiter needs before it); like Python's email package, no
                // part is made for it.
                if let last = delimiters.last, last.next == lineStart { delimiters.removeLast() }
                if isClose { closeLine = (lineStart, next); break }
                if firstDelimiterLine == nil { firstDelimiterLine = lineStart }
                if delimiters.count < keep { delimiters.append((lineStart, next)) }
            }
            guard let hit = ByteSearch.index(of: needle, in: bytes, from: lineStart, to: body.upperBound) else { break }
            lineStart = hit + 1
        }
        guard let firstDelimiterLine else {
            if let closeLine {
                // only a close delimiter: an empty multipart
                return MIMEPart.Multipart(boundary: boundary, parts: [], preamble: nonEmpty(body.lowerBound..<lineEndingStart(before: closeLine.lineStart, floor: body.lowerBound)),
                                          epilogue: nonEmpty(closeLine.next..<body.upperBound), closed: true)
            }
            return nil
        }
        let preamble = nonEmpty(body.lowerBound..<lineEndingStart(before: firstDelimiterLine, floor: body.lowerBound))
        var parts: [MIMEPart] = []
        let sectionName = MIMEParser.sectionString(section)
        for (k, d) in delimiters.enumerated() {
            if k >= limits.maxPartsPerMultipart || totalParts >= limits.maxTotalParts {
                if !reportedPartLimit { problems.append(MessageProblem(.partLimitExceeded, section: sectionName)); reportedPartLimit = true }
                break
            }
            let nextLine = k + 1 < delimiters.count ? delimiters[k + 1].lineStart : closeLine?.lineStart
            let end = nextLine.map { lineEndingStart(before: $0, floor: d.next) } ?? body.upperBound
            parts.append(parseEntity(d.next..<end, section: section + [k + 1], depth: depth + 1, defaultType: childDefault, isMessage: false))
        }
        if closeLine == nil {
            problems.append(MessageProblem(.missingCloseDelimiter, section: sectionName, detail: "boundary \(boundary)"))
        }
        return MIMEPart.Multipart(boundary: boundary, parts: parts, preamble: preamble,
                                  epilogue: closeLine.flatMap { nonEmpty($0.next..<body.upperBound) }, closed: closeLine != nil)
    }

    /// dash-boundary ["--"] transport-padding (CRLF / end): returns whether it is the close
    /// delimiter and where the next line starts. transport-padding := *LWSP-char (RFC 2046 §5.1.1).
    private func matchDelimiter(_ dash: [UInt8], at lineStart: Int, end: Int) -> (Bool, Int)? {
        guard lineStart + dash.count <= end else { return nil }
        var j = lineStart
        for c in dash {
            if bytes[j] != c { return nil }
            j += 1
        }
        var isClose = false
        if j + 2 <= end, bytes[j] == ASCII.hyphen, bytes[j + 1] == ASCII.hyphen {
            isClose = true
            j += 2
        }
        while j < end, ASCII.isWSP(bytes[j]) { j += 1 }
        if j == end { return (isClose, end) }
        if bytes[j] == ASCII.lf { return (isClose, j + 1) }
        if bytes[j] == ASCII.cr {
            if j + 1 < end, bytes[j + 1] == ASCII.lf { return (isClose, j + 2) }
            return (isClose, j + 1)
        }
        // the close delimiter may be followed by anything on its line (clients accept it)
        if isClose {
            let lf = ByteSearch.index(of: ASCII.lf, in: bytes, from: j, to: end)
            return (true, lf.map { $0 + 1 } ?? end)
        }
        return nil
    }

    /// Start of the CRLF (or LF) that ends the line before `lineStart`, never below `floor`.
    private func lineEndingStart(before lineStart: Int, floor: Int) -> Int {
        var e = lineStart
        if e > floor, bytes[e - 1] == ASCII.lf { e -= 1 }
        if e > floor, bytes[e - 1] == ASCII.cr { e -= 1 }
        return max(e, floor)
    }

    private func nonEmpty(_ r: Range<Int>) -> ByteRange? { r.isEmpty ? nil : ByteRange(r) }
}
