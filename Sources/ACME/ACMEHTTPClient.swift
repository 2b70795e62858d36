import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// One HTTP reply as the ACME client reads it.
public struct ACMEHTTPResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: Data

    public init(status: Int, headers: [(String, String)], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}

/// What the ACME client needs of HTTP: GET, HEAD and POST of a body, with a reply. One
/// implementation over AsyncHTTPClient; tests may script replies.
public protocol ACMEHTTPTransport: Sendable {
    func send(method: String, url: String, headers: [(String, String)], body: Data?) async throws -> ACMEHTTPResponse
    func shutdown() async throws
}

/// ACME over HTTPS with swift-server/async-http-client. The CA's API is trusted through the
/// system roots, or only through `caFile` (a test CA such as pebble's, or a private CA).
public final class ACMEHTTPClient: ACMEHTTPTransport {
    /// RFC 8555 §6.1: clients send a User-Agent naming the client.
    public static let userAgent = "hato-acme/0.1"
    /// Largest reply read (a certificate chain is a few KiB; directories and orders less).
    static let maximumBody = 1 << 20

    private let client: HTTPClient
    private let timeout: TimeAmount

    public init(caFile: String? = nil, timeout: Duration = .seconds(30)) {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile { tls.trustRoots = .file(caFile) }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow)
        configuration.timeout = .init(connect: .seconds(10), read: TimeAmount(timeout))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.timeout = TimeAmount(timeout)
    }

    public func send(method: String, url: String, headers: [(String, String)], body: Data?) async throws -> ACMEHTTPResponse {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "User-Agent", value: Self.userAgent)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: Self.maximumBody)
        let data = Data(bytes.readableBytesView)
        return ACMEHTTPResponse(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: data)
    }

    public func shutdown() async throws { try await client.shutdown() }
}
