import DNSMessage
import Testing
@testable import MailAuth

/// The `[dmarc]` keys: what a failing message gets, and the trusted-forwarder exemption.
@Suite struct DMARCLocalPolicyTests {
    func failing(_ policy: DMARCPolicy) -> DMARCOutcome {
        var evaluation = DMARCDomainEvaluation(authorDomain: "example.com", result: .fail, evaluatedPolicy: policy)
        evaluation.requestedPolicy = policy
        return DMARCOutcome(result: .fail, evaluations: [evaluation], evaluatedPolicy: policy)
    }

    let stranger = DMARCLocalPolicy.Client(ip: IPAddress("203.0.113.9"), domains: ["bulk.example"])

    @Test func defaultsFollowThePublishedPolicy() {
        let policy = DMARCLocalPolicy()
        #expect(policy.disposition(for: failing(.reject), client: stranger) == DMARCDisposition(action: .reject))
        #expect(policy.disposition(for: failing(.quarantine), client: stranger) == DMARCDisposition(action: .quarantine))
        #expect(policy.disposition(for: failing(.none), client: stranger) == DMARCDisposition(action: .none))
        #expect(policy.disposition(for: DMARCOutcome(result: .temperror, evaluations: []), client: stranger).action == .none)
        #expect(policy.disposition(for: DMARCOutcome(result: .pass, evaluations: []), client: stranger).action == .none)
    }

    @Test func operatorCanSoftenTheAction() {
        let policy = DMARCLocalPolicy(onReject: .quarantine, onQuarantine: .none, onTemperror: .defer)
        #expect(policy.disposition(for: failing(.reject), client: stranger) == DMARCDisposition(action: .quarantine, override: .localPolicy))
        #expect(policy.disposition(for: failing(.quarantine), client: stranger).override == .localPolicy)
        #expect(policy.disposition(for: failing(.quarantine), client: stranger).action == .none)
        #expect(policy.disposition(for: DMARCOutcome(result: .temperror, evaluations: []), client: stranger).action == .defer)
    }

    @Test func trustedForwardersAreExempt() {
        let policy = DMARCLocalPolicy(trustedForwarders: ["192.0.2.0/24", "2001:db8::1", "lists.example.org"])
        let byNetwork = DMARCLocalPolicy.Client(ip: IPAddress("192.0.2.77"), domains: [])
        let byAddress = DMARCLocalPolicy.Client(ip: IPAddress("2001:db8::1"), domains: [])
        let byDomain = DMARCLocalPolicy.Client(ip: IPAddress("198.51.100.1"), domains: ["out.lists.example.org"])
        for client in [byNetwork, byAddress, byDomain] {
            #expect(policy.disposition(for: failing(.reject), client: client) == DMARCDisposition(action: .none, override: .trustedForwarder, comment: "trusted forwarder"))
        }
        #expect(policy.disposition(for: failing(.reject), client: stranger).action == .reject)
        #expect(!policy.isTrusted(.init(ip: IPAddress("2001:db8::2"), domains: ["notlists.example.org"])))
    }

    @Test func trustedARCSealerNeedsAPassingChain() {
        let policy = DMARCLocalPolicy(trustedARCSealers: ["lists.example.org"])
        let sealed = DMARCLocalPolicy.Client(ip: IPAddress("198.51.100.1"), domains: [], arcSealer: "arc.lists.example.org")
        #expect(policy.disposition(for: failing(.reject), client: sealed)
            == DMARCDisposition(action: .none, override: .trustedForwarder, comment: "ARC chain sealed by arc.lists.example.org passed"))
        let unsealed = DMARCLocalPolicy.Client(ip: IPAddress("198.51.100.1"), domains: ["lists.example.org"], arcSealer: nil)
        #expect(policy.disposition(for: failing(.reject), client: unsealed).action == .reject)
    }

    /// RFC 9990 policy_test_mode when t=y lowered the policy.
    @Test func testingModeIsReportedAsAnOverride() throws {
        var evaluation = DMARCDomainEvaluation(authorDomain: "example.com", result: .fail, evaluatedPolicy: .quarantine)
        evaluation.requestedPolicy = .reject
        evaluation.record = try DMARCRecord(parsing: "v=DMARC1; p=reject; t=y")
        let outcome = DMARCOutcome(result: .fail, evaluations: [evaluation], evaluatedPolicy: .quarantine)
        #expect(DMARCLocalPolicy().disposition(for: outcome, client: stranger) == DMARCDisposition(action: .quarantine, override: .policyTestMode))
    }

    @Test func forwarderEntries() {
        for valid in ["192.0.2.0/24", "2001:db8::/32", "198.51.100.7", "lists.example.org", "example"] {
            #expect(DMARCLocalPolicy.isValidForwarder(valid), "\(valid)")
        }
        for invalid in ["", "192.0.2.0/33", "192.0.2.0/", "/24", "a..b", "bad domain", "x/y"] {
            #expect(!DMARCLocalPolicy.isValidForwarder(invalid), "\(invalid)")
        }
    }
}
