// What the test DNS server does with a query: answer from its zone like an authoritative and
// recursive server would (RFC 1034 §4.3.2, negative answers with the SOA per RFC 2308 §3), or
// misbehave on purpose: stay silent, fail, truncate, or reply with the wrong ID first.

import DNSMessage

public struct TestDNSBehavior: Sendable, Hashable {
    public enum Spoof: Sendable, Hashable {
        case none
        /// Reply only with a wrong ID (a client that checks IDs times out).
        case wrongIDOnly
        /// A reply with a wrong ID and bogus data, then the real reply.
        case wrongIDThenCorrect
        /// A reply with the right ID from another port, then the real reply.
        case wrongSourceThenCorrect
        /// A reply for another question with the right ID, then the real reply.
        case wrongQuestionThenCorrect
    }

    /// Never answer (the client's timeout fires).
    public var drop: Bool
    /// Answer every query with this RCODE instead of data (e.g. SERVFAIL, REFUSED).
    public var responseCode: DNSResponseCode?
    /// Over UDP, answer with TC set and no records, so the client must retry over TCP.
    public var truncateUDP: Bool
    public var spoof: Spoof
    /// Set the AD bit on answers (as a validating resolver would).
    public var authenticData: Bool
    /// Answer SERVFAIL with RFC 8914 Extended DNS Error 6 (DNSSEC Bogus).
    public var bogus: Bool
    /// Wait this many milliseconds before answering.
    public var delayMilliseconds: Int64

    public init(drop: Bool = false, responseCode: DNSResponseCode? = nil, truncateUDP: Bool = false,
                spoof: Spoof = .none, authenticData: Bool = false, bogus: Bool = false, delayMilliseconds: Int64 = 0) {
        self.drop = drop
        self.responseCode = responseCode
        self.truncateUDP = truncateUDP
        self.spoof = spoof
        self.authenticData = authenticData
        self.bogus = bogus
        self.delayMilliseconds = delayMilliseconds
    }

    public static let normal = TestDNSBehavior()
    public static let timeout = TestDNSBehavior(drop: true)
    public static let servfail = TestDNSBehavior(responseCode: .serverFailure)
}

/// One query the server received.
public struct TestDNSQueryLogEntry: Sendable, Hashable {
    public enum Transport: Sendable, Hashable { case udp, tcp }
    public var question: DNSQuestion
    public var transport: Transport
    public var id: UInt16
    public var dnssecOK: Bool
}

/// A reply to send and where from.
struct TestDNSReply {
    var message: DNSMessage
    var fromDecoySocket: Bool = false
}

enum TestDNSResponder {
    /// The replies to send for `query`, in order (none to stay silent).
    static func replies(to query: DNSMessage, zone: DNSZone, behavior: TestDNSBehavior,
                        transport: TestDNSQueryLogEntry.Transport) -> [TestDNSReply] {
        if behavior.drop { return [] }
        var response = answer(query, zone: zone, behavior: behavior)
        if transport == .udp {
            let limit = Int(query.edns?.udpPayloadSize ?? UInt16(DNSLimits.classicUDPPayload))
            let size = (try? response.encoded().count) ?? Int.max
            // RFC 2181 §9: when the answer does not fit, set TC (we drop all records, as many servers do).
            if behavior.truncateUDP || size > limit {
                response.truncated = true
                response.answers = []
                response.authorities = []
                response.additionals = []
            }
        }
        switch behavior.spoof {
        case .none:
            return [TestDNSReply(message: response)]
        case .wrongIDOnly:
            var wrong = response
            wrong.id = response.id &+ 1
            return [TestDNSReply(message: wrong)]
        case .wrongIDThenCorrect:
            return [TestDNSReply(message: decoy(response, id: response.id &+ 1)), TestDNSReply(message: response)]
        case .wrongSourceThenCorrect:
            return [TestDNSReply(message: decoy(response, id: response.id), fromDecoySocket: true),
                    TestDNSReply(message: response)]
        case .wrongQuestionThenCorrect:
            var other = decoy(response, id: response.id)
            other.questions = [DNSQuestion(name: .root, type: .a)]
            return [TestDNSReply(message: other), TestDNSReply(message: response)]
        }
    }

    /// A forged reply claiming the name is at 203.0.113.66 (RFC 5737 documentation space).
    static func decoy(_ response: DNSMessage, id: UInt16) -> DNSMessage {
        var forged = response
        forged.id = id
        forged.responseCode = .noError
        forged.truncated = false
        forged.answers = response.questions.map {
            DNSResourceRecord(name: $0.name, ttl: 3600, data: $0.type == .a ? .a(IPv4Address("203.0.113.66")!)
                : .txt([Array("forged".utf8)]))
        }
        return forged
    }

    static func answer(_ query: DNSMessage, zone: DNSZone, behavior: TestDNSBehavior) -> DNSMessage {
        var response = query.makeResponse()
        response.recursionAvailable = true
        guard query.questions.count == 1, let question = query.questions.first, !query.isResponse else {
            response.responseCode = .formatError
            return response
        }
        if behavior.bogus {
            response.responseCode = .serverFailure
            if response.edns != nil { response.edns?.options = [EDNSOption(code: EDNSOption.extendedErrorCode, data: [0, 6])] }
            return response
        }
        if let code = behavior.responseCode {
            response.responseCode = code
            return response
        }
        response.authenticData = behavior.authenticData
        let soa = zone.soa(for: question.name).map { [$0] } ?? []
        switch zone.answer(question.name, question.type) {
        case .records(let cnames, let records):
            response.answers = cnames + records
        case .noData(let cnames):
            response.answers = cnames
            response.authorities = soa
        case .nxdomain(let cnames):
            response.answers = cnames
            response.authorities = soa
            response.responseCode = .nameError
        }
        return response
    }
}
