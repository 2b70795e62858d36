import DNSMessage
import Foundation
import HatoTesting
import Testing
@testable import MailAuth

/// Differential tests against pyspf (the RFC 7208 reference implementation on PyPI), which
/// resolves through dnspython against the test DNS server serving the same zone we evaluate.
///
/// Needs `pip install pyspf dnspython` (.ci/run installs them). Without them the test is skipped
/// with that message, except under CI (CI set), where it fails so a missing install is seen.
@Suite struct PySPFDifferentialTests {
    static var pyspfAvailable: Bool { HatoTesting.Python.hasModules("spf", "dns.resolver") }
    static var runsInCI: Bool { HatoTesting.Python.requiredInCI }

    static let runner = """
        import json, sys
        import dns.resolver, spf
        port, path = int(sys.argv[1]), sys.argv[2]
        r = dns.resolver.Resolver(configure=False)
        r.nameservers = ['127.0.0.1']
        r.port = port
        r.timeout = 3
        r.lifetime = 5
        dns.resolver.default_resolver = r
        out = []
        for case in json.load(open(path)):
            q = spf.query(i=case['ip'], s=case['sender'], h=case['helo'], receiver='mx.receiver.example')
            res, code, exp = q.check()
            out.append({'id': case['id'], 'result': res, 'explanation': exp})
        print(json.dumps(out))
        """

    struct PyResult: Decodable {
        var id: Int
        var result: String
        var explanation: String
    }

    @Test(.enabled(if: pyspfAvailable || runsInCI, "pyspf is not installed: pip install pyspf dnspython"))
    func agreesWithPySPFOnGeneratedPolicies() async throws {
        try #require(Self.pyspfAvailable, "pyspf is not installed: pip install pyspf dnspython")
        var generator = PySPFPolicyGenerator(rng: SeededGenerator(state: 0x5EED_0F_5FF))
        var zoneText = PySPFPolicyGenerator.world
        var cases: [DifferentialCase] = []
        for id in 0..<400 {
            let (testCase, extra) = generator.makeCase(id)
            cases.append(testCase)
            zoneText += extra
        }
        let zone = try DNSZone(parsing: zoneText)
        let server = try await TestDNSServer.start(zone: zone)
        var resolver = StaticResolver(zone: zone)
        for broken in PySPFPolicyGenerator.broken {
            let name = try DNSName(broken)
            for type in [DNSRecordType.a, .aaaa] {
                server.setBehavior(.servfail, for: name, type)
                resolver.failures[StaticResolver.Query(name, type)] = .responseCode(.serverFailure)
            }
        }
        defer { Task { try? await server.shutdown() } }

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hato-pyspf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let casesFile = directory.appendingPathComponent("cases.json")
        try JSONEncoder().encode(cases).write(to: casesFile)
        let run = try await HatoTesting.Python.run(Self.runner, arguments: [String(server.port), casesFile.path], timeout: 600)
        try #require(run.status == 0, "pyspf runner failed: \(run.stderr)")
        let theirs = try JSONDecoder().decode([PyResult].self, from: Data(run.stdout.utf8))
        try #require(theirs.count == cases.count)

        let verifier = SPFVerifier(resolver: resolver, receivingHost: "mx.receiver.example")
        var agreements = 0
        var explained = 0
        var tally: [String: Int] = [:]
        for (testCase, their) in zip(cases, theirs) {
            let ours = await verifier.checkMailFrom(ip: IPAddress(testCase.ip)!, mailFrom: testCase.sender,
                                                    helo: testCase.helo)
            tally[ours.result.rawValue, default: 0] += 1
            var agree = ours.result.rawValue == their.result
            // Explanations are compared where both come from an exp= record (§6.2).
            if agree, ours.result == .fail, let explanation = ours.explanation {
                agree = explanation.lowercased() == their.explanation.lowercased()
            }
            if agree {
                agreements += 1
            } else if let reason = Self.explainedDivergence(testCase, ours: ours, pyspf: their) {
                explained += 1
                print("case \(testCase.id) differs from pyspf, as \(reason): \(testCase.policy)")
            } else {
                Issue.record("""
                    case \(testCase.id): \(testCase.policy)
                      ip \(testCase.ip) sender \(testCase.sender) helo \(testCase.helo)
                      hato: \(ours.result) \(ours.explanation ?? "") \(ours.problem ?? "")
                      pyspf: \(their.result) \(their.explanation)
                    """)
            }
        }
        print("pyspf differential: \(agreements)/\(cases.count) agree, \(explained) differ as RFC 7208 decides; "
              + "results \(tally.sorted { $0.key < $1.key })")
        #expect(agreements + explained == cases.count)
        #expect(agreements >= 200)
        // The generator must exercise every result, or the comparison proves little.
        for result in SPFResult.allCases where result != .none {
            #expect(tally[result.rawValue, default: 0] > 0, "no case produced \(result)")
        }
    }

    /// Differences where RFC 7208 decides against pyspf. Each names the section.
    static func explainedDivergence(_ testCase: DifferentialCase, ours: SPFOutcome, pyspf: PyResult) -> String? {
        // §6: "Unrecognized modifiers MUST be ignored no matter where, or how often, they
        // appear in a record." pyspf rejects a repeated unknown modifier.
        if pyspf.result == "permerror", pyspf.explanation.contains("MUST appear at most once"),
           !pyspf.explanation.contains("redirect="), !pyspf.explanation.contains("exp=") {
            return "RFC 7208 §6 ignores repeated unknown modifiers"
        }
        return nil
    }
}
