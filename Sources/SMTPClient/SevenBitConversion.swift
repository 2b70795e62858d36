/// Makes an 8-bit message 7-bit for a peer without 8BITMIME (RFC 6152 §3: "the SMTP client ...
/// may ... convert the message to 7-bit MIME"; RFC 1652 §4 and RFC 2045 §6 describe how).
///
/// Each leaf MIME part whose body has 8-bit octets gets a new Content-Transfer-Encoding:
/// quoted-printable for text/* (RFC 2045 §6.7, readable and exact), base64 for anything else
/// (RFC 2045 §6.8). Multipart bodies (RFC 2046 §5.1) and message/rfc822 (RFC 2046 §5.2.1) are
/// walked into; their own "8bit" label becomes "7bit". Bytes outside the changed parts, header
/// fields included, are kept as they were.
///
/// Refused (a bounce: the message cannot be made 7-bit without changing what it says): 8-bit
/// octets in any header field (RFC 6532 headers need SMTPUTF8), in a multipart preamble or
/// epilogue, in a part already labelled base64 or quoted-printable (broken), or in message/global.
enum SevenBitConversion {
    struct Failure: Error, Equatable {
        let reason: String
    }

    /// Nesting depth beyond which the message is refused rather than walked (no unbounded recursion).
    static let maxDepth = 32

    /// `message` must be CRLF-normalised (`SMTPMessageEncoding.normalizingLineEndings`).
    static func convert(_ message: [UInt8]) throws(Failure) -> [UInt8] {
        try convertEntity(message[...], defaultType: "text/plain", isTopLevel: true, depth: 0)
    }

    private static func convertEntity(_ entity: ArraySlice<UInt8>, defaultType: String, isTopLevel: Bool, depth: Int) throws(Failure) -> [UInt8] {
        guard depth <= maxDepth else { throw Failure(reason: "MIME nesting deeper than \(maxDepth)") }
        let header = MIMEHeader(entity)
        if SMTPMessageEncoding.hasEightBitOctets(entity[header.range]) {
            throw Failure(reason: "8-bit octets in a header field")
        }
        let body = entity[header.range.upperBound...]
        guard SMTPMessageEncoding.hasEightBitOctets(body) else { return Array(entity) }

        let contentType = header.contentType ?? MIMEContentType(defaultType)
        let encoding = header.value(of: "content-transfer-encoding")?.lowercased().trimmingSpaces() ?? "7bit"
        let newBody: [UInt8]
        let newEncoding: String
        switch contentType.type {
        case "multipart":
            guard let boundary = contentType.parameters["boundary"], !boundary.isEmpty else {
                throw Failure(reason: "multipart without a boundary")
            }
            let childType = contentType.subtype == "digest" ? "message/rfc822" : "text/plain"
            newBody = try convertMultipart(body, boundary: Array(boundary.utf8), childType: childType, depth: depth)
            newEncoding = "7bit"
        case "message" where contentType.subtype == "rfc822":
            newBody = try convertEntity(body, defaultType: "text/plain", isTopLevel: false, depth: depth + 1)
            newEncoding = "7bit"
        case "message":
            throw Failure(reason: "8-bit octets in a message/\(contentType.subtype) part")
        default:
            guard ["7bit", "8bit", "binary"].contains(encoding) else {
                throw Failure(reason: "8-bit octets in a part labelled \(encoding)")
            }
            if contentType.type == "text" {
                newBody = QuotedPrintable.encode(body)
                newEncoding = "quoted-printable"
            } else {
                newBody = Base64Lines.encode(body)
                newEncoding = "base64"
            }
        }
        var added = ["Content-Transfer-Encoding: \(newEncoding)"]
        if isTopLevel, header.value(of: "mime-version") == nil { added.insert("MIME-Version: 1.0", at: 0) }
        return header.replacingField("content-transfer-encoding", with: added) + newBody
    }

    // multipart-body := [preamble CRLF] dash-boundary transport-padding CRLF body-part
    //                   *encapsulation close-delimiter transport-padding [CRLF epilogue]
    // encapsulation  := delimiter transport-padding CRLF body-part
    // delimiter      := CRLF dash-boundary                                  (RFC 2046 §5.1.1)
    private static func convertMultipart(_ body: ArraySlice<UInt8>, boundary: [UInt8], childType: String, depth: Int) throws(Failure) -> [UInt8] {
        // Delimiter lines: (start of the line, index after its CRLF, is the close delimiter).
        var delimiters: [(start: Int, end: Int, isClose: Bool)] = []
        var lineStart = body.startIndex
        while lineStart < body.endIndex {
            let lineEnd = body[lineStart...].firstIndex(of: 10).map { $0 + 1 } ?? body.endIndex
            if let isClose = delimiterKind(body[lineStart..<lineEnd], boundary: boundary) {
                delimiters.append((lineStart, lineEnd, isClose))
                if isClose { break }
            }
            lineStart = lineEnd
        }
        guard let first = delimiters.first else { throw Failure(reason: "multipart without its boundary line") }
        var output = Array(body[body.startIndex..<first.start])
        if SMTPMessageEncoding.hasEightBitOctets(output) { throw Failure(reason: "8-bit octets in a multipart preamble") }
        for (index, delimiter) in delimiters.enumerated() {
            output += body[delimiter.start..<delimiter.end]
            if delimiter.isClose { break }
            // The CRLF before the next delimiter belongs to that delimiter (RFC 2046 §5.1.1).
            let partEnd = index + 1 < delimiters.count ? max(delimiter.end, delimiters[index + 1].start - 2) : body.endIndex
            output += try convertEntity(body[delimiter.end..<partEnd], defaultType: childType, isTopLevel: false, depth: depth + 1)
            if index + 1 < delimiters.count { output += body[partEnd..<delimiters[index + 1].start] }
        }
        if let last = delimiters.last, last.isClose {
            let epilogue = body[last.end...]
            if SMTPMessageEncoding.hasEightBitOctets(epilogue) { throw Failure(reason: "8-bit octets in a multipart epilogue") }
            output += epilogue
        }
        return output
    }

    /// nil: not a delimiter; false: "--boundary"; true: "--boundary--". Transport padding
    /// (trailing spaces and tabs) is allowed after either.
    private static func delimiterKind(_ line: ArraySlice<UInt8>, boundary: [UInt8]) -> Bool? {
        let dashBoundary = [45, 45] + boundary
        guard line.starts(with: dashBoundary) else { return nil }
        var rest = line.dropFirst(dashBoundary.count)
        while let last = rest.last, [9, 10, 13, 32].contains(last) { rest.removeLast() }
        if rest.isEmpty { return false }
        return rest.elementsEqual([45, 45]) ? true : nil
    }
}

extension String {
    func trimmingSpaces() -> String {
        String(self.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
