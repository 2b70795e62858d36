@testable import ACME
import Foundation
import Logging
import Synchronization
import Testing

/// Nonce handling (RFC 8555 §6.5) against scripted replies: a badNonce error is retried with
/// the nonce that came with it, and only a bounded number of times.
struct ACMEClientNonceTests {
    final class ScriptedCA: ACMEHTTPTransport {
        struct Request: Sendable { var method: String; var url: String; var nonce: String? }
        let requests = Mutex<[Request]>([])
        let badNonces: Int
        let counter = Mutex(0)

        init(badNonces: Int) { self.badNonces = badNonces }

        func send(method: String, url: String, headers: [(String, String)], body: Data?) async throws -> ACMEHTTPResponse {
            let next = counter.withLock { $0 += 1; return $0 }
            var nonce: String?
            if let body, let object = try? JSONSerialization.jsonObject(with: body) as? [String: String],
               let protected = object["protected"].flatMap(Base64URL.decode),
               let header = try? JSONSerialization.jsonObject(with: protected) as? [String: Any] {
                nonce = header["nonce"] as? String
            }
            requests.withLock { $0.append(Request(method: method, url: url, nonce: nonce)) }
            let fresh = [("Replay-Nonce", "nonce-\(next)")]
            switch (method, url) {
            case ("GET", "https://ca.test/dir"):
                return ACMEHTTPResponse(status: 200, headers: [], body: Data(#"{"newNonce":"https://ca.test/nonce","newAccount":"https://ca.test/acct","newOrder":"https://ca.test/order"}"#.utf8))
            case ("HEAD", "https://ca.test/nonce"):
                return ACMEHTTPResponse(status: 200, headers: fresh, body: Data())
            default:
                let rejected = requests.withLock { $0.filter { $0.method == "POST" }.count } <= badNonces
                if rejected {
                    return ACMEHTTPResponse(status: 400, headers: fresh + [("Content-Type", "application/problem+json")],
                                            body: Data(#"{"type":"urn:ietf:params:acme:error:badNonce","detail":"JWS has an invalid anti-replay nonce"}"#.utf8))
                }
                return ACMEHTTPResponse(status: 201, headers: fresh + [("Location", "https://ca.test/acct/1")], body: Data(#"{"status":"valid"}"#.utf8))
            }
        }

        func shutdown() async throws {}
    }

    @Test func badNonceIsRetriedWithTheNonceTheErrorBrought() async throws {
        let ca = ScriptedCA(badNonces: 2)
        let client = ACMEClient(directoryURL: "https://ca.test/dir", key: ACMEAccountKey(), transport: ca, logger: Logger(label: "test"))
        let account = try await client.register(contact: ["mailto:postmaster@example.test"])
        #expect(account == "https://ca.test/acct/1")
        let posts = ca.requests.withLock { $0.filter { $0.method == "POST" } }
        #expect(posts.count == 3)
        // The first nonce from newNonce (request 2), then each from the previous error reply.
        #expect(posts.map(\.nonce) == ["nonce-2", "nonce-3", "nonce-4"])
    }

    @Test func badNonceRetriesAreBounded() async throws {
        let ca = ScriptedCA(badNonces: 100)
        let client = ACMEClient(directoryURL: "https://ca.test/dir", key: ACMEAccountKey(), transport: ca, logger: Logger(label: "test"))
        await #expect {
            try await client.register(contact: [])
        } throws: { error in
            guard let error = error as? ACMEError, case .problem(let request, let status, let problem) = error else { return false }
            return request == "newAccount" && status == 400 && problem.acmeErrorName == "badNonce"
        }
        #expect(ca.requests.withLock { $0.filter { $0.method == "POST" }.count } == ACMEClient.badNonceRetries + 1)
    }
}
