import NIOCore

/// Parses one command line (without CRLF) into an `SMTPCommand`, or throws the `SMTPError` to
/// reply with. It dispatches on the first word and never backtracks.
///
/// Deliberate leniencies, none of them ambiguous: command words and parameter keywords in any
/// case (RFC 5321 §2.4), several SP where one is required, SP after "FROM:"/"TO:", trailing SP.
public struct SMTPCommandParser: Sendable {
    /// The extensions offered on this connection now (commands and parameters of others are
    /// refused with 502 or 555).
    public var extensions: SMTPExtensions
    public var limits: SMTPLimits

    public init(extensions: SMTPExtensions, limits: SMTPLimits = SMTPLimits()) {
        self.extensions = extensions
        self.limits = limits
    }

    /// - Parameter smtpUTF8Transaction: the transaction's MAIL carried SMTPUTF8, so RCPT may name
    ///   non-ASCII mailboxes (RFC 6531 §3.4).
    public func parse(_ line: ByteBuffer, smtpUTF8Transaction: Bool = false) throws(SMTPError) -> SMTPCommand {
        try parse(Array(line.readableBytesView), smtpUTF8Transaction: smtpUTF8Transaction)
    }

    public func parse(_ line: [UInt8], smtpUTF8Transaction: Bool = false) throws(SMTPError) -> SMTPCommand {
        var reader = SMTPGrammarReader(line)
        let word = reader.take(while: { SMTPGrammarReader.isAlpha($0) || SMTPGrammarReader.isDigit($0) })
        guard !word.isEmpty, reader.atEnd || reader.peek == UInt8(ascii: " ") else { throw .commandUnrecognized }
        let keyword = String(decoding: word, as: UTF8.self).uppercased()
        switch keyword {
        case "EHLO": return .ehlo(try hello(&reader, "EHLO"))
        case "HELO": return .helo(try hello(&reader, "HELO"))
        case "MAIL": return try mail(&reader)
        case "RCPT": return try rcpt(&reader, smtpUTF8Transaction: smtpUTF8Transaction)
        case "DATA": try noArguments(&reader, "DATA"); return .data
        case "RSET": try noArguments(&reader, "RSET"); return .rset
        case "QUIT": try noArguments(&reader, "QUIT"); return .quit
        case "NOOP": return .noop  // noop = "NOOP" [ SP String ]: the string is ignored
        case "HELP": return .help(try optionalText(&reader))
        case "VRFY", "EXPN": return try verifyOrExpand(&reader, keyword)
        case "STARTTLS":
            guard extensions.contains(.startTLS) else { throw .commandNotImplemented }
            try noArguments(&reader, "STARTTLS")
            return .startTLS
        case "BDAT": return try bdat(&reader)
        case "AUTH": return try auth(&reader)
        case "SEND", "SOML", "SAML", "TURN", "ATRN", "ETRN", "VERB", "ONEX", "XCLIENT", "XFORWARD", "XEXCH50":
            throw .commandNotImplemented
        default:
            throw .commandUnrecognized
        }
    }

    // ehlo = "EHLO" SP ( Domain / address-literal ) CRLF
    // helo = "HELO" SP Domain CRLF                             (RFC 5321 §4.1.1.1)
    private func hello(_ reader: inout SMTPGrammarReader, _ keyword: String) throws(SMTPError) -> SMTPHost {
        let error = SMTPError.syntaxErrorInParameters.withMessage("Syntax: \(keyword) hostname")
        guard reader.skipSpaces() else { throw error }
        let host = try reader.host(error)
        try end(&reader, error)
        return host
    }

    // mail = "MAIL FROM:" Reverse-path [SP Mail-parameters] CRLF   (RFC 5321 §4.1.1.2)
    private func mail(_ reader: inout SMTPGrammarReader) throws(SMTPError) -> SMTPCommand {
        guard reader.skipSpaces(), reader.skip(caseInsensitive: "FROM:") else {
            throw SMTPError.syntaxErrorInParameters.withMessage("Syntax: MAIL FROM:<address>")
        }
        _ = reader.skipSpaces()
        reader.utf8Allowed = extensions.contains(.smtpUTF8)
        let path = try reader.reversePath(maxLength: limits.maxPathLength, .badSenderAddressSyntax)
        let parameters = try SMTPMailParameters(reader.esmtpParameters(), extensions: extensions)
        // RFC 6531 §3.4, §3.7.4.1: non-ASCII in the envelope only with SMTPUTF8 on this MAIL.
        if reader.sawNonASCII, !parameters.smtpUTF8 { throw .nonASCIISenderWithoutSMTPUTF8 }
        return .mail(path, parameters)
    }

    // rcpt = "RCPT TO:" ( "<Postmaster@" Domain ">" / "<Postmaster>" / Forward-path )
    //        [SP Rcpt-parameters] CRLF                         (RFC 5321 §4.1.1.3)
    private func rcpt(_ reader: inout SMTPGrammarReader, smtpUTF8Transaction: Bool) throws(SMTPError) -> SMTPCommand {
        guard reader.skipSpaces(), reader.skip(caseInsensitive: "TO:") else {
            throw SMTPError.syntaxErrorInParameters.withMessage("Syntax: RCPT TO:<address>")
        }
        _ = reader.skipSpaces()
        reader.utf8Allowed = extensions.contains(.smtpUTF8)
        let path = try reader.forwardPath(maxLength: limits.maxPathLength, .badRecipientAddressSyntax)
        let parameters = try SMTPRcptParameters(reader.esmtpParameters(), extensions: extensions)
        if reader.sawNonASCII, !smtpUTF8Transaction { throw .nonASCIIRecipientWithoutSMTPUTF8 }
        return .rcpt(path, parameters)
    }

    // bdat-cmd   ::= "BDAT" SP chunk-size [ SP end-marker ] CR LF
    // chunk-size ::= 1*DIGIT
    // end-marker ::= "LAST"                                    (RFC 3030 §2)
    private func bdat(_ reader: inout SMTPGrammarReader) throws(SMTPError) -> SMTPCommand {
        guard extensions.contains(.chunking) else { throw .commandNotImplemented }
        let error = SMTPError.syntaxErrorInParameters.withMessage("Syntax: BDAT size [LAST]")
        guard reader.skipSpaces(), let size = reader.number(maxDigits: 18) else { throw error }
        var last = false
        if reader.skipSpaces(), !reader.atEnd {
            guard reader.skip(caseInsensitive: "LAST") else { throw error }
            last = true
        }
        try end(&reader, error)
        return .bdat(size: size, last: last)
    }

    // vrfy = "VRFY" SP String [SP "SMTPUTF8"] CRLF
    // expn = "EXPN" SP String [SP "SMTPUTF8"] CRLF   (RFC 5321 §4.1.1.6-7, RFC 6531 §3.7.4.2)
    // String = Atom / Quoted-string
    /// The String is taken as the rest of the line (clients send "VRFY John Smith" and
    /// "VRFY <a@b>"); the reply does not depend on its form, VRFY being answered 252 by policy.
    private func verifyOrExpand(_ reader: inout SMTPGrammarReader, _ keyword: String) throws(SMTPError) -> SMTPCommand {
        var smtpUTF8 = false
        var text = Array(reader.rest)
        let marker = Array(" SMTPUTF8".utf8)
        while text.last == UInt8(ascii: " ") { text.removeLast() }
        if extensions.contains(.smtpUTF8), text.count > marker.count,
           text.suffix(marker.count).map(SMTPGrammarReader.lower).elementsEqual(marker.map(SMTPGrammarReader.lower)) {
            smtpUTF8 = true
            text.removeLast(marker.count)
        }
        var argument = SMTPGrammarReader(text, utf8Allowed: smtpUTF8)
        guard let value = try optionalText(&argument), !value.isEmpty else {
            throw SMTPError.syntaxErrorInParameters.withMessage("Syntax: \(keyword) address")
        }
        return keyword == "VRFY" ? .vrfy(value, smtpUTF8: smtpUTF8) : .expn(value, smtpUTF8: smtpUTF8)
    }

    // auth-command   = "AUTH" SP sasl-mech [SP initial-response]   (RFC 4954 §4)
    // sasl-mech      = 1*20mech-char                                (RFC 4422 §3.1)
    // mech-char      = UPPER-ALPHA / DIGIT / HYPHEN / UNDERSCORE    (any case accepted)
    // initial-response = base64 / "="
    private func auth(_ reader: inout SMTPGrammarReader) throws(SMTPError) -> SMTPCommand {
        guard extensions.contains(.auth) else { throw .commandNotImplemented }
        let error = SMTPError.syntaxErrorInParameters.withMessage("Syntax: AUTH mechanism [initial-response]")
        guard reader.skipSpaces() else { throw error }
        let mechanism = reader.take(while: {
            SMTPGrammarReader.isAlpha($0) || SMTPGrammarReader.isDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
        })
        guard (1...SMTPLimits.maxSASLMechanismLength).contains(mechanism.count) else { throw error }
        var initialResponse: String?
        if reader.skipSpaces(), !reader.atEnd {
            let response = reader.take(while: {
                SMTPGrammarReader.isAlpha($0) || SMTPGrammarReader.isDigit($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "/")
                    || $0 == UInt8(ascii: "=")
            })
            guard !response.isEmpty else { throw error }
            initialResponse = String(decoding: response, as: UTF8.self)
        }
        try end(&reader, error)
        return .auth(mechanism: String(decoding: mechanism, as: UTF8.self).uppercased(), initialResponse: initialResponse)
    }

    /// The rest of the line after SP, without surrounding SP; nil when there is none. Control
    /// characters are refused; non-ASCII only where the reader allows it, and well-formed.
    private func optionalText(_ reader: inout SMTPGrammarReader) throws(SMTPError) -> String? {
        guard reader.atEnd || reader.skipSpaces() else { throw .syntaxErrorInParameters }
        var text = Array(reader.rest)
        while text.last == UInt8(ascii: " ") { text.removeLast() }
        guard !text.isEmpty else { return nil }
        guard text.allSatisfy({ (32...126).contains($0) || ($0 >= 0x80 && reader.utf8Allowed) }),
              let string = SMTPGrammarReader.string(text)
        else { throw .syntaxErrorInParameters }
        return string
    }

    private func noArguments(_ reader: inout SMTPGrammarReader, _ keyword: String) throws(SMTPError) {
        try end(&reader, SMTPError.syntaxErrorInParameters.withMessage("Syntax: \(keyword) takes no arguments"))
    }

    /// Only SP may remain.
    private func end(_ reader: inout SMTPGrammarReader, _ error: SMTPError) throws(SMTPError) {
        _ = reader.skipSpaces()
        guard reader.atEnd else { throw error }
    }
}
