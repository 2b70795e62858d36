/// One esmtp-param as read, before its meaning is known.
struct SMTPRawParameter {
    /// Upper-cased keyword.
    var keyword: String
    var value: [UInt8]?
}

extension SMTPGrammarReader {
    // Mail-parameters = esmtp-param *(SP esmtp-param)
    // Rcpt-parameters = esmtp-param *(SP esmtp-param)
    // esmtp-param     = esmtp-keyword ["=" esmtp-value]
    // esmtp-keyword   = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
    // esmtp-value     = 1*(%d33-60 / %d62-126)      (RFC 5321 §4.1.2)
    // esmtp-value     =/ UTF8-non-ascii              (RFC 6531 §3.3)
    /// Reads the parameters after a path, up to the end of the line. The SP before the first
    /// one is read here too. Trailing SP is tolerated; a keyword given twice is a 501.
    mutating func esmtpParameters() throws(SMTPError) -> [SMTPRawParameter] {
        var parameters: [SMTPRawParameter] = []
        while !atEnd {
            guard skipSpaces() else { throw .syntaxErrorInParameters }
            if atEnd { break }
            let keyword = take(while: { Self.isAlpha($0) || Self.isDigit($0) || $0 == UInt8(ascii: "-") })
            guard let first = keyword.first, first != UInt8(ascii: "-") else { throw .syntaxErrorInParameters }
            let name = String(decoding: keyword, as: UTF8.self).uppercased()
            var value: [UInt8]?
            if skip(UInt8(ascii: "=")) {
                let start = index
                while let byte = peek {
                    if (33...126).contains(byte), byte != UInt8(ascii: "=") { index += 1 } else if !takeUTF8NonASCII() { break }
                }
                guard index > start else { throw .syntaxErrorInParameters }
                value = Array(bytes[start..<index])
            }
            guard atEnd || peek == UInt8(ascii: " ") else { throw .syntaxErrorInParameters }
            guard !parameters.contains(where: { $0.keyword == name }) else {
                throw SMTPError.syntaxErrorInParameters.withMessage("Duplicate parameter \(name)")
            }
            parameters.append(SMTPRawParameter(keyword: name, value: value))
        }
        return parameters
    }
}

extension SMTPRawParameter {
    func notRecognized() -> SMTPError {
        SMTPError.parameterNotRecognized.withMessage("Parameter \(keyword) not recognized")
    }

    func badValue() -> SMTPError {
        SMTPError.syntaxErrorInParameters.withMessage("Invalid value for \(keyword)")
    }

    /// The value, required.
    func requiredValue() throws(SMTPError) -> [UInt8] {
        guard let value else { throw badValue() }
        return value
    }

    /// No value allowed (SMTPUTF8, RFC 6531 §3.4).
    func noValue() throws(SMTPError) {
        guard value == nil else { throw badValue() }
    }

    /// An upper-cased ASCII keyword value, for the enumerated ones (BODY, RET, NOTIFY).
    func keywordValue() throws(SMTPError) -> String {
        let value = try requiredValue()
        guard value.allSatisfy({ $0 < 0x80 }) else { throw badValue() }
        return String(decoding: value, as: UTF8.self).uppercased()
    }

    /// An xtext value, decoded; `maxLength` applies to the value as sent.
    func xtextValue(maxLength: Int) throws(SMTPError) -> [UInt8] {
        let value = try requiredValue()
        guard value.count <= maxLength, let decoded = SMTPXText.decode(value) else { throw badValue() }
        return decoded
    }
}
