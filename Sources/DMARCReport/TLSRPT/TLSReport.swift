// The RFC 8460 §4.4 JSON report: written for the reports Hato sends, parsed (bounded) for the
// ones it receives. Keys are the RFC's; optional fields are left out when absent.

import BoundedZlib
import Foundation

public struct TLSReport: Sendable, Equatable, Codable {
    public struct DateRange: Sendable, Equatable, Codable {
        /// RFC 3339 date-times ("2016-04-01T00:00:00Z").
        public var startDatetime: String
        public var endDatetime: String
        enum CodingKeys: String, CodingKey { case startDatetime = "start-datetime", endDatetime = "end-datetime" }
    }

    public struct Policy: Sendable, Equatable, Codable {
        /// "tlsa", "sts" or "no-policy-found".
        public var policyType: String
        public var policyString: [String]?
        public var policyDomain: String
        public var mxHost: [String]?
        enum CodingKeys: String, CodingKey {
            case policyType = "policy-type", policyString = "policy-string", policyDomain = "policy-domain", mxHost = "mx-host"
        }
    }

    public struct Summary: Sendable, Equatable, Codable {
        public var totalSuccessfulSessionCount: Int
        public var totalFailureSessionCount: Int
        enum CodingKeys: String, CodingKey {
            case totalSuccessfulSessionCount = "total-successful-session-count", totalFailureSessionCount = "total-failure-session-count"
        }
    }

    public struct FailureDetail: Sendable, Equatable, Codable {
        public var resultType: String
        public var sendingMTAIP: String?
        public var receivingMXHostname: String?
        public var receivingMXHelo: String?
        public var receivingIP: String?
        public var failedSessionCount: Int
        public var additionalInformation: String?
        public var failureReasonCode: String?
        enum CodingKeys: String, CodingKey {
            case resultType = "result-type", sendingMTAIP = "sending-mta-ip", receivingMXHostname = "receiving-mx-hostname"
            case receivingMXHelo = "receiving-mx-helo", receivingIP = "receiving-ip", failedSessionCount = "failed-session-count"
            case additionalInformation = "additional-information", failureReasonCode = "failure-reason-code"
        }
    }

    public struct PolicyResult: Sendable, Equatable, Codable {
        public var policy: Policy
        public var summary: Summary
        public var failureDetails: [FailureDetail]?
        enum CodingKeys: String, CodingKey { case policy, summary, failureDetails = "failure-details" }
    }

    public var organizationName: String
    public var dateRange: DateRange
    public var contactInfo: String
    public var reportID: String
    public var policies: [PolicyResult]

    enum CodingKeys: String, CodingKey {
        case organizationName = "organization-name", dateRange = "date-range", contactInfo = "contact-info", reportID = "report-id", policies
    }

    /// The JSON document, keys sorted (stable output for tests and dry runs).
    public func json(pretty: Bool = false) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings, numbers and arrays cannot fail.
        return Array((try? encoder.encode(self)) ?? Data())
    }

    /// RFC 3339 "Internet Date/Time Format" in UTC, whole seconds.
    public static func dateTime(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}

/// Why a received TLS report was not read.
public struct TLSReportError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

extension TLSReport {
    /// Deepest array/object nesting read from a received report.
    public static let maxNesting = 16

    /// How deep arrays and objects nest, outside strings; stops counting past `limit`.
    static func nestingDepth(_ json: [UInt8], limit: Int) -> Int {
        var depth = 0, deepest = 0, inString = false, escaped = false
        for byte in json {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
                if deepest > limit { return deepest }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return deepest
    }

    /// Parses a received report: gzip (application/tlsrpt+gzip) or plain JSON, at most
    /// `maxJSONBytes` after inflating, nested at most `maxNesting` deep, and `maxPolicies`
    /// policies with at most `maxPolicies` failure details each; counts must not be negative.
    public static func parse(_ bytes: [UInt8], maxJSONBytes: Int = 4 << 20, maxPolicies: Int = 10_000) throws(TLSReportError) -> TLSReport {
        var json = bytes
        if bytes.starts(with: [0x1F, 0x8B]) {
            do { json = try BoundedInflate.inflate(bytes, format: .gzip, maxOutput: maxJSONBytes) } catch {
                throw TLSReportError(description: "gzip: \(error)")
            }
        }
        guard json.count <= maxJSONBytes else { throw TLSReportError(description: "more than \(maxJSONBytes) bytes of JSON") }
        // Foundation's JSONDecoder traps (instead of throwing) on arrays nested a few hundred deep
        // (found by the tls-report fuzz target); the RFC 8460 schema nests 5 deep.
        guard nestingDepth(json, limit: maxNesting) <= maxNesting else {
            throw TLSReportError(description: "JSON nested deeper than \(maxNesting) levels")
        }
        let report: TLSReport
        do { report = try JSONDecoder().decode(TLSReport.self, from: Data(json)) } catch {
            throw TLSReportError(description: "not an RFC 8460 report: \(error)")
        }
        guard report.policies.count <= maxPolicies,
              report.policies.allSatisfy({ ($0.failureDetails?.count ?? 0) <= maxPolicies }) else {
            throw TLSReportError(description: "more than \(maxPolicies) policies or failure details")
        }
        let counts = report.policies.flatMap { [$0.summary.totalSuccessfulSessionCount, $0.summary.totalFailureSessionCount]
            + ($0.failureDetails ?? []).map(\.failedSessionCount) }
        guard counts.allSatisfy({ $0 >= 0 }) else { throw TLSReportError(description: "negative session count") }
        return report
    }
}
