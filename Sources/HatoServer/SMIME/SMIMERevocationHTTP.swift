import AsyncHTTPClient
import Foundation
import NIOCore
import SMIME

/// HTTP for S/MIME revocation data (docs/smime.md "Revocation"): an OCSP request POSTed as
/// `application/ocsp-request` (RFC 6960 Appendix A.1), a CRL fetched with GET (RFC 5280
/// §4.2.1.13: DER over HTTP). Plain http only (OCSP and CRLs are signed, and fetching them over
/// TLS would need revocation data for the server's own certificate); no redirects; the body is
/// read up to the limit and no further, all within the deadline.
struct SMIMERevocationHTTP: SMIMERevocationFetching {
    func fetch(_ url: String, post: [UInt8]?, contentType: String?, limit: Int, timeout: Duration) async throws -> [UInt8] {
        guard url.lowercased().hasPrefix("http://"), URL(string: url)?.host?.isEmpty == false else { throw SMIMEError("not an http URL") }
        let amount = TimeAmount.milliseconds(Int64(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout = .init(connect: amount, read: amount)
        // One attempt: a refused connection is an answer ("down") now, not after retries that
        // would use up the deadline of the whole check.
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            var request = HTTPClientRequest(url: url)
            if let post {
                request.method = .POST
                request.headers.add(name: "Content-Type", value: contentType ?? "application/octet-stream")
                request.body = .bytes(ByteBuffer(bytes: post))
            }
            let response = try await client.execute(request, timeout: amount)
            guard (200..<300).contains(response.status.code) else {
                throw SMIMEError("HTTP \(response.status.code)")
            }
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: limit)
            } catch is NIOTooManyBytesError {
                throw SMIMEError("answer larger than \(limit) bytes")
            }
            try await client.shutdown()
            return Array(buffer: body)
        } catch {
            try? await client.shutdown()
            if let error = error as? SMIMEError { throw error }
            throw SMIMEError(Self.describe(error))
        }
    }

    /// A short reason for the A-R comment (AsyncHTTPClient's errors print their type names).
    static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("onnectTimeout") || text.contains("deadlineExceeded") || text.contains("readTimeout") { return "timed out" }
        if text.contains("refused") || text.contains("Refused") { return "connection refused" }
        return String(text.prefix(120))
    }
}
