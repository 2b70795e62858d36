import DNSClient
import Foundation
import HatoTesting
import Testing

extension SignedZoneServer {
    /// False (and a recorded issue in CI, where .ci/run installs them) without unbound or ldnsutils.
    static func available() -> Bool {
        if toolsInstalled { return true }
        if Python.requiredInCI { Issue.record("unbound or ldnsutils missing in CI: .ci/run installs them") }
        return false
    }

    /// The zones of Fixtures/make-signed-zones.sh.
    static func with(_ body: (ValidatingResolver, SignedZoneServer) async throws -> Void) async throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/make-signed-zones.sh").path
        try await with(script: script, body)
    }
}
