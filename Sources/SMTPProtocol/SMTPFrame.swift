import NIOCore

/// One unit of the client's byte stream, as split by `SMTPFrameDecoder`.
///
/// Lines are framed before they are parsed (the swift-nio-imap FramingParser split): the decoder
/// knows where a command line, the DATA content and a BDAT chunk end; `SMTPCommandParser` knows
/// what a line means.
public enum SMTPFrame: Sendable, Equatable {
    /// A command line (or a SASL response line) without its CRLF.
    case line(ByteBuffer)
    /// A line longer than the limit ended; it was skipped without being buffered.
    /// Reply 500 5.5.2 (RFC 5321 §4.5.3.1.9), or 500 5.5.6 during AUTH (RFC 4954 §4).
    case lineTooLong
    /// A line ended in a bare LF. RFC 5321 §2.3.8: lines end in CRLF and a server must not
    /// recognise any other terminator; reply 500 5.5.2 (it is not taken as a command).
    case bareLineFeed
    /// A piece of DATA content, dot-unstuffed (RFC 5321 §4.5.2), CRLFs kept.
    case content(ByteBuffer)
    /// DATA ended on CRLF "." CRLF; the decoder is back in command mode.
    case contentEnd(SMTPContentEnd)
    /// A piece of a BDAT chunk (RFC 3030 §2), passed on exactly as received.
    case chunk(ByteBuffer)
    /// The BDAT chunk's octet count was reached; the decoder is back in command mode.
    case chunkEnd(last: Bool)
}

/// How DATA content ended. The decoder always reads to the terminating CRLF "." CRLF before it
/// reports a problem, so the session can reply and stay in step with the client.
public struct SMTPContentEnd: Sendable, Equatable {
    public enum Problem: Sendable, Equatable {
        /// More than the size limit arrived (RFC 1870 §6.3 / RFC 5321 §4.5.3.1.10: 552 after the dot).
        case tooLarge
        /// A CR not followed by LF, or an LF not preceded by CR, inside the content (RFC 5321
        /// §2.3.8, §4.1.1.4). Refused, never repaired: the SMTP smuggling class (CVE-2023-51764).
        case bareLineEnding
    }

    /// Content octets after unstuffing, counted to the end even past the limit.
    public var octets: Int
    /// Why the content must be refused; nil when it is complete and good.
    public var problem: Problem?

    public init(octets: Int, problem: Problem?) {
        self.octets = octets
        self.problem = problem
    }

    /// The error to reply with after the final dot, when there is a problem.
    public var error: SMTPError? {
        switch problem {
        case nil: nil
        case .tooLarge: .messageTooLarge
        case .bareLineEnding: .bareLineEndingInContent
        }
    }
}
