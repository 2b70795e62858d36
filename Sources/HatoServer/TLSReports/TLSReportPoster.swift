import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// RFC 8460 §5.3: a report to an `https:` rua= destination is the gzip-compressed JSON, POSTed
/// with `Content-Type: application/tlsrpt+gzip`; any 2xx answer means received. The server's
/// certificate must be valid for the URI's host under the trust roots given (the system's, or
/// `delivery.tls_ca_file`); redirects are not followed, and each POST is bounded by `timeout`.
public struct TLSReportPoster: Sendable {
    public let tlsConfiguration: TLSConfiguration
    public let timeout: TimeAmount
    /// Most octets of a receiver's answer read (only for the log).
    static let maxAnswer = 4_096

    public init(tlsConfiguration: TLSConfiguration = .makeClientConfiguration(), timeout: TimeAmount = .seconds(60)) {
        self.tlsConfiguration = tlsConfiguration
        self.timeout = timeout
    }

    public struct PostError: Error, CustomStringConvertible {
        public var description: String
    }

    /// An `https:` rua= URI Hato can POST to (RFC 8460 §3: "https:" URIs); nil for anything else.
    public static func destination(_ uri: String) -> URL? {
        guard uri.lowercased().hasPrefix("https://"), let url = URL(string: uri), url.host?.isEmpty == false else { return nil }
        return url
    }

    /// POSTs `gzip` to `url`; throws with the reason when the receiver did not answer 2xx.
    public func post(_ gzip: [UInt8], to url: URL) async throws {
        var configuration = HTTPClient.Configuration(tlsConfiguration: tlsConfiguration, redirectConfiguration: .disallow)
        configuration.timeout = .init(connect: timeout, read: timeout)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            var request = HTTPClientRequest(url: url.absoluteString)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/tlsrpt+gzip")
            request.body = .bytes(ByteBuffer(bytes: gzip))
            let response = try await client.execute(request, timeout: timeout)
            let answer = (try? await response.body.collect(upTo: Self.maxAnswer)).map { String(buffer: $0) } ?? ""
            try await client.shutdown()
            guard (200..<300).contains(response.status.code) else {
                throw PostError(description: "HTTP \(response.status.code) from \(url.host ?? "")\(answer.isEmpty ? "" : ": \(answer.prefix(200))")")
            }
        } catch let error as PostError {
            throw error
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
