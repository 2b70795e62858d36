// DMARC failure reports (RFC 9991): an ARF message (RFC 5965 multipart/report with
// report-type=feedback-report) of Feedback-Type auth-failure (RFC 6591) with Auth-Failure: dmarc
// and Identity-Alignment (RFC 9991 §4), sent when the Domain Owner's fo= asks for it.
//
// Privacy (RFC 9991 §7): the report carries the failed message's header section only, never its
// body or attachments (§7.3: "remove attachments"); the local parts of recipient addresses
// (To, Cc, Delivered-To, X-Original-To, Received "for") are redacted as RFC 6590 allows, and
// "http" becomes "hxxp" so no link in the copy is live (§7.3).

import Foundation
import MailMessage

/// What a failure report says about one message.
public struct DMARCFailure: Sendable, Equatable {
    /// The RFC5322.From domain that failed (Reported-Domain).
    public var reportedDomain: String
    /// Where its DMARC record was found (the report's consent check uses it).
    public var policyDomain: String
    public var sourceIP: String
    public var arrival: Date
    /// RFC5321.MailFrom, nil for `<>`.
    public var mailFrom: String?
    /// Our Authentication-Results value for the message (without the field name).
    public var authenticationResults: String
    /// Mechanisms that failed to authenticate an aligned identity ("dkim", "spf"); empty: none did.
    public var unalignedMechanisms: [String]
    /// Signatures of an aligned domain that failed verification (RFC 9991 §4: DKIM-Domain and
    /// DKIM-Selector are required for those).
    public var failedAlignedSignatures: [(domain: String, selector: String)]
    /// What became of the message: `delivered`, `spam`, `reject` (RFC 6591 §3.2 Delivery-Result).
    public var deliveryResult: String
    /// The message's header section as received.
    public var header: [UInt8]

    public init(reportedDomain: String, policyDomain: String, sourceIP: String, arrival: Date, mailFrom: String?,
                authenticationResults: String, unalignedMechanisms: [String], failedAlignedSignatures: [(domain: String, selector: String)],
                deliveryResult: String, header: [UInt8]) {
        self.reportedDomain = reportedDomain
        self.policyDomain = policyDomain
        self.sourceIP = sourceIP
        self.arrival = arrival
        self.mailFrom = mailFrom
        self.authenticationResults = authenticationResults
        self.unalignedMechanisms = unalignedMechanisms
        self.failedAlignedSignatures = failedAlignedSignatures
        self.deliveryResult = deliveryResult
        self.header = header
    }

    public static func == (lhs: DMARCFailure, rhs: DMARCFailure) -> Bool {
        lhs.reportedDomain == rhs.reportedDomain && lhs.sourceIP == rhs.sourceIP && lhs.arrival == rhs.arrival && lhs.header == rhs.header
    }
}

/// RFC 9989 §4.7 `fo`: when the Domain Owner wants a failure report.
public enum FailureReportOptions {
    /// `0`: every mechanism failed to give an aligned pass (DMARC fails); `1`: any did;
    /// `d`: a DKIM signature failed verification, aligned or not; `s`: SPF failed, aligned or not.
    public static func requested(fo: [String], spfAligned: Bool, dkimAligned: Bool, spfResult: String, dkimResults: [String]) -> Bool {
        fo.contains { option in
            switch option.lowercased() {
            case "0": !spfAligned && !dkimAligned
            case "1": !spfAligned || !dkimAligned
            case "d": dkimResults.contains { $0 == "fail" || $0 == "permerror" }
            case "s": spfResult == "fail" || spfResult == "softfail" || spfResult == "permerror"
            default: false
            }
        }
    }
}

public enum FailureReportMessage {
    /// The whole RFC 5322 message, CRLF-terminated, ready to be signed and queued.
    public static func message(for failure: DMARCFailure, from: String, to: [String], date: Date, messageID: String) -> [UInt8] {
        let boundary = "hato-arf-" + messageID.prefix { $0 != "@" }.filter { $0.isLetter || $0.isNumber }
        let arrival = MessageDate.format(failure.arrival, timeZone: TimeZone(identifier: "UTC")!)
        var feedback = [
            "Feedback-Type: auth-failure",
            "User-Agent: Hato",
            "Version: 1",
            "Original-Mail-From: <\(clean(failure.mailFrom ?? ""))>",
            "Arrival-Date: \(arrival)",
            "Source-IP: \(clean(failure.sourceIP))",
            "Reported-Domain: \(clean(failure.reportedDomain))",
            "Authentication-Results: \(clean(failure.authenticationResults))",
            "Auth-Failure: dmarc",
            "Identity-Alignment: \(failure.unalignedMechanisms.isEmpty ? "none" : failure.unalignedMechanisms.joined(separator: ", "))",
            "Delivery-Result: \(failure.deliveryResult)",
        ]
        for signature in failure.failedAlignedSignatures.prefix(8) {
            feedback += ["DKIM-Domain: \(clean(signature.domain))", "DKIM-Selector: \(clean(signature.selector))"]
        }
        let lines = [
            "From: DMARC failure reports <\(from)>",
            "To: " + to.map { "<\($0)>" }.joined(separator: ", "),
            "Subject: DMARC failure report for \(clean(failure.reportedDomain)) from \(clean(failure.sourceIP))",
            "Date: \(MessageDate.format(date, timeZone: TimeZone(identifier: "UTC")!))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/report; report-type=feedback-report; boundary=\"\(boundary)\"",
            "",
            "This is a DMARC failure report (RFC 9991).",
            "",
            "--\(boundary)",
            "Content-Type: text/plain; charset=us-ascii",
            "",
            "A message claiming to be from \(clean(failure.reportedDomain)) arrived from \(clean(failure.sourceIP)) at \(arrival)",
            "and failed DMARC (\(failure.unalignedMechanisms.isEmpty ? "no mechanism" : failure.unalignedMechanisms.joined(separator: " and ")) not aligned).",
            "Its header section follows, with recipients' local parts redacted; the body is not included.",
            "",
            "--\(boundary)",
            "Content-Type: message/feedback-report",
            "",
        ] + feedback + [
            "",
            "--\(boundary)",
            "Content-Type: text/rfc822-headers",
            "",
        ]
        var out = Array(lines.joined(separator: "\r\n").utf8) + [0x0D, 0x0A]
        out += redactedHeader(failure.header)
        out += Array("\r\n--\(boundary)--\r\n".utf8)
        return out
    }

    /// The header section without its blank line, recipients' local parts redacted, links defused.
    static func redactedHeader(_ header: [UInt8]) -> [UInt8] {
        let section = HeaderSection.parse(header).section
        var out: [UInt8] = []
        for field in section.fields {
            var text = String(decoding: field.raw, as: UTF8.self)
            if ["to", "cc", "delivered-to", "x-original-to", "received"].contains(field.name.lowercased()) {
                text = redactLocalParts(text)
            }
            text = text.replacingOccurrences(of: "http", with: "hxxp", options: .caseInsensitive)
            out += Array(text.utf8)
            if out.last != 0x0A { out += [0x0D, 0x0A] }
        }
        return out
    }

    /// Every `local@domain` becomes `redacted@domain` (RFC 6590 §4 leaves the method open).
    static func redactLocalParts(_ text: String) -> String {
        var result = ""
        var word = ""
        func flush() {
            if let at = word.lastIndex(of: "@"), at != word.startIndex {
                let lead = word.prefix { $0 == "<" || $0 == "\"" || $0 == "(" }
                result += lead + "redacted" + word[at...]
            } else {
                result += word
            }
            word = ""
        }
        for character in text {
            if character == " " || character == "\t" || character == "," || character == "\r" || character == "\n" || character == ";" {
                flush()
                result.append(character)
            } else {
                word.append(character)
            }
        }
        flush()
        return result
    }

    /// A value on one line of printable ASCII (what a report field may hold).
    static func clean(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }.prefix(900).map(Character.init))
    }
}
