import Foundation
import HatoTesting
import Testing
@testable import SASL

/// Differential test: the PyPI `scramp` package (a SCRAM client nobody here wrote) logs in to our
/// server state machine. python3 runs the client and speaks base64 lines over stdin/stdout; the
/// test relays them through `SASLServerExchange` exactly as an SMTP server would.
/// Skipped when scramp is missing (`pip install scramp`), failing instead when `CI` is set.
@Suite(.enabled(if: ScrampPeer.available || ScrampPeer.required, "scramp is not installed: pip install scramp"))
struct ScrampDifferentialTests {
    static let exporter = (0..<32).map { UInt8(0xA0 &+ $0) }

    @Test(arguments: [SASLMechanismName.scramSHA1, .scramSHA256, .scramSHA1Plus, .scramSHA256Plus])
    func scrampLogsIn(mechanism: SASLMechanismName) async throws {
        try #require(ScrampPeer.available, "CI is set but scramp is not installed")
        let outcome = try await ScrampPeer.run(mechanism: mechanism, username: "a,b=c", password: "pw",
                                               exporter: mechanism.usesChannelBinding ? Self.exporter : nil)
        #expect(outcome.server == .success(SASLIdentity(username: "a,b=c", mechanism: mechanism)))
        #expect(outcome.client == "OK", "scramp accepted our server-final")
    }

    @Test(arguments: [SASLMechanismName.scramSHA256, .scramSHA256Plus])
    func scrampWithWrongPasswordIsRefused(mechanism: SASLMechanismName) async throws {
        try #require(ScrampPeer.available, "CI is set but scramp is not installed")
        let outcome = try await ScrampPeer.run(mechanism: mechanism, username: "user", password: "wrong",
                                               exporter: mechanism.usesChannelBinding ? Self.exporter : nil)
        #expect(outcome.server == .failure(.invalidCredentials))
        #expect(outcome.client.hasPrefix("ERR"), "scramp saw e=invalid-proof")
    }

    @Test func scrampWithDifferentExporterFailsChannelBinding() async throws {
        try #require(ScrampPeer.available, "CI is set but scramp is not installed")
        let outcome = try await ScrampPeer.run(mechanism: .scramSHA256Plus, username: "user", password: "pencil",
                                               exporter: Self.exporter, clientExporter: Array(Self.exporter.reversed()))
        #expect(outcome.server == .failure(.invalidCredentials))
        #expect(outcome.client.hasPrefix("ERR"))
    }
}

enum ScrampPeer {
    static let required = ProcessInfo.processInfo.environment["CI"] != nil
    static let available: Bool = {
        Python.hasModules("scramp")
    }()

    /// scramp 1.5 knows `tls-exporter` (RFC 9266) by name but refuses it, because Python's ssl
    /// module cannot compute it; given the bytes directly, its binding code is type-agnostic, so
    /// the script lifts that name check and nothing else.
    static let script = #"""
import sys, base64
import scramp.core as core
from scramp import ScramClient
core.CbName.SUPPORTED_TYPES = core.CbName.SUPPORTED_TYPES | {"tls-exporter"}
core.CbName.UNSUPPORTED_TYPES = frozenset()
mech, user, password, exporter = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
cb = ("tls-exporter", bytes.fromhex(exporter)) if exporter else None
def send(text):
    print(base64.b64encode(text.encode()).decode(), flush=True)
def receive():
    return base64.b64decode(sys.stdin.readline().strip()).decode()
try:
    client = ScramClient([mech], user, password, channel_binding=cb)
    send(client.get_client_first())
    client.set_server_first(receive())
    send(client.get_client_final())
    client.set_server_final(receive())
    print("", flush=True)
    print("OK", flush=True)
except Exception as error:
    print("*", flush=True)
    print("ERR " + type(error).__name__, flush=True)
"""#

    struct Outcome { var server: SASLServerExchange.Action; var client: String }

    static func run(
        mechanism: SASLMechanismName, username: String, password: String,
        exporter: [UInt8]?, clientExporter: [UInt8]? = nil
    ) async throws -> Outcome {
        let lookup = MemoryLookup(accounts: [
            "user": try Fixture.credentials(password: "pencil"),
            "a,b=c": try Fixture.credentials(password: "pw"),
        ])
        let configuration = SASLServerConfiguration(hostname: "mail.example", iterations: 4096)
        var exchange = try #require(SASLServerExchange.make(
            mechanism, lookup: lookup, configuration: configuration,
            channelBinding: exporter.map { SASLChannelBinding(tlsExporter: $0) }
        ))
        let hex = (clientExporter ?? exporter ?? []).map { String(format: "%02x", $0) }.joined()
        let process = try ChildProcess(executable: URL(fileURLWithPath: "/usr/bin/env"),
                                       arguments: ["python3", "-c", script, mechanism.rawValue, username, password, hex])
        var offset = 0

        var action = await exchange.start(initialResponse: nil)
        while case .challenge(let text) = action {
            if !text.isEmpty { process.write(text + "\n") }
            guard let line = await process.nextLine(from: &offset) else { break }
            action = await exchange.receive(line: line)
        }
        process.closeInput()
        var client = ""
        while let line = await process.nextLine(from: &offset) { client = line }
        _ = await process.exit(timeout: .seconds(60))
        return Outcome(server: action, client: client)
    }
}
