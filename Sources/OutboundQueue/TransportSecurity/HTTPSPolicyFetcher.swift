import AsyncHTTPClient
import Foundation
import MailAuth
import NIOCore
import NIOHTTP1
import NIOSSL

/// Fetches `https://mta-sts.<domain>/.well-known/mta-sts.txt` (RFC 8461 §3.3): certificate valid
/// for that name under the trust roots given (the system's by default), no redirects, status 200
/// only, `text/plain`, at most `RemoteMTASTSPolicy.maxSize` octets within `timeout`.
public struct HTTPSPolicyFetcher: MTASTSPolicyFetching {
    public let tlsConfiguration: TLSConfiguration
    public let timeout: TimeAmount
    /// The HTTPS port; 443 except in tests.
    public let port: Int
    /// Tests only: connect to this address instead of resolving `mta-sts.<domain>` (the system
    /// resolver cannot see a test zone); the certificate is then checked for that address.
    public let testAddress: String?

    public init(tlsConfiguration: TLSConfiguration = .makeClientConfiguration(), timeout: TimeAmount = .seconds(60), port: Int = 443,
                testAddress: String? = nil) {
        self.tlsConfiguration = tlsConfiguration
        self.timeout = timeout
        self.port = port
        self.testAddress = testAddress
    }

    public struct FetchError: Error, CustomStringConvertible {
        public var description: String
        /// The host answered, but not with a policy (media type, size): RFC 8460 §4.3.2.2
        /// `sts-policy-invalid` rather than `sts-policy-fetch-error`.
        public var invalidPolicy = false
    }

    public func fetchPolicy(domain: String) async throws -> [UInt8] {
        var configuration = HTTPClient.Configuration(tlsConfiguration: tlsConfiguration, redirectConfiguration: .disallow)
        configuration.timeout = .init(connect: timeout, read: timeout)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let body = try await fetch(client, host: testAddress ?? "mta-sts.\(domain)")
            try await client.shutdown()
            return body
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private func fetch(_ client: HTTPClient, host: String) async throws -> [UInt8] {
        let authority = port == 443 ? host : "\(host):\(port)"
        let request = HTTPClientRequest(url: "https://\(authority)/.well-known/mta-sts.txt")
        let response = try await client.execute(request, timeout: timeout)
        guard response.status == .ok else {
            // RFC 8461 §3.3: "HTTP 3xx redirects MUST NOT be followed"; anything but 200 is no policy.
            throw FetchError(description: "HTTP status \(response.status.code) from \(host)")
        }
        let type = response.headers.first(name: "content-type")?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard type == "text/plain" else {
            throw FetchError(description: "media type \(type ?? "missing"), not text/plain (RFC 8461 §3.2)", invalidPolicy: true)
        }
        do {
            return Array(buffer: try await response.body.collect(upTo: RemoteMTASTSPolicy.maxSize))
        } catch is NIOTooManyBytesError {
            throw FetchError(description: "policy larger than \(RemoteMTASTSPolicy.maxSize) octets", invalidPolicy: true)
        }
    }
}
