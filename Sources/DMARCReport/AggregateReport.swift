// The DMARC aggregate report (RFC 9990 §3, Appendix A schema): one reporter's view of one
// policy domain's mail over one period. The same value is what Hato builds to send and what it
// parses from reports others send; element names follow the schema.

import Foundation

public struct AggregateReport: Sendable, Equatable, Codable {
    /// RFC 9990 §3.1.1 report_metadata.
    public struct Metadata: Sendable, Equatable, Codable {
        public var orgName: String
        public var email: String
        public var extraContactInfo: String?
        public var reportID: String
        /// date_range begin and end, seconds since the epoch (UTC).
        public var begin: Int64
        public var end: Int64
        public var errors: [String]
        public var generator: String?

        public init(orgName: String, email: String, extraContactInfo: String? = nil, reportID: String, begin: Int64, end: Int64,
                    errors: [String] = [], generator: String? = nil) {
            self.orgName = orgName
            self.email = email
            self.extraContactInfo = extraContactInfo
            self.reportID = reportID
            self.begin = begin
            self.end = end
            self.errors = errors
            self.generator = generator
        }
    }

    /// RFC 9990 §3.1.2 policy_published: the record as found, defaults filled in.
    public struct PolicyPublished: Sendable, Equatable, Codable {
        public var domain: String
        public var adkim: String?
        public var aspf: String?
        public var p: String
        public var sp: String?
        public var np: String?
        public var testing: String?
        public var fo: String?
        /// RFC 9990 discovery_method: psl (RFC 7489 reporters) or treewalk (RFC 9989 §4.10).
        public var discoveryMethod: String?

        public init(domain: String, adkim: String? = nil, aspf: String? = nil, p: String, sp: String? = nil, np: String? = nil,
                    testing: String? = nil, fo: String? = nil, discoveryMethod: String? = nil) {
            self.domain = domain
            self.adkim = adkim
            self.aspf = aspf
            self.p = p
            self.sp = sp
            self.np = np
            self.testing = testing
            self.fo = fo
            self.discoveryMethod = discoveryMethod
        }
    }

    /// RFC 9990 §3.1.3 reason: a PolicyOverrideType and its comment.
    public struct Reason: Sendable, Equatable, Hashable, Codable {
        public var type: String
        public var comment: String?
        public init(type: String, comment: String? = nil) {
            self.type = type
            self.comment = comment
        }
    }

    public struct DKIMAuth: Sendable, Equatable, Hashable, Codable {
        public var domain: String
        public var selector: String?
        public var result: String
        public var humanResult: String?
        public init(domain: String, selector: String?, result: String, humanResult: String? = nil) {
            self.domain = domain
            self.selector = selector
            self.result = result
            self.humanResult = humanResult
        }
    }

    public struct SPFAuth: Sendable, Equatable, Hashable, Codable {
        public var domain: String
        public var scope: String?
        public var result: String
        public var humanResult: String?
        public init(domain: String, scope: String? = "mfrom", result: String, humanResult: String? = nil) {
            self.domain = domain
            self.scope = scope
            self.result = result
            self.humanResult = humanResult
        }
    }

    /// RFC 9990 §3.1.3 record: one per source IP and result set, with the message count.
    public struct Record: Sendable, Equatable, Hashable, Codable {
        public var sourceIP: String
        public var count: Int
        /// policy_evaluated: disposition (none, pass, quarantine, reject), dkim and spf (pass, fail), reasons.
        public var disposition: String
        public var dkim: String
        public var spf: String
        public var reasons: [Reason]
        public var envelopeTo: String?
        public var envelopeFrom: String?
        public var headerFrom: String
        public var dkimResults: [DKIMAuth]
        public var spfResults: [SPFAuth]

        public init(sourceIP: String, count: Int, disposition: String, dkim: String, spf: String, reasons: [Reason] = [],
                    envelopeTo: String? = nil, envelopeFrom: String? = nil, headerFrom: String, dkimResults: [DKIMAuth] = [],
                    spfResults: [SPFAuth] = []) {
            self.sourceIP = sourceIP
            self.count = count
            self.disposition = disposition
            self.dkim = dkim
            self.spf = spf
            self.reasons = reasons
            self.envelopeTo = envelopeTo
            self.envelopeFrom = envelopeFrom
            self.headerFrom = headerFrom
            self.dkimResults = dkimResults
            self.spfResults = spfResults
        }

        /// The record's identity without its count: evaluations with the same key share a record.
        var key: Record {
            var key = self
            key.count = 0
            return key
        }
    }

    /// version, 1.0 for RFC 7489 and RFC 9990 reports alike; nil when the reporter left it out.
    public var version: String?
    public var metadata: Metadata
    public var policyPublished: PolicyPublished
    public var records: [Record]

    public init(version: String? = "1.0", metadata: Metadata, policyPublished: PolicyPublished, records: [Record]) {
        self.version = version
        self.metadata = metadata
        self.policyPublished = policyPublished
        self.records = records
    }

    /// Messages the report covers (the sum of the record counts).
    public var messageCount: Int { records.reduce(0) { $0 + $1.count } }
}
