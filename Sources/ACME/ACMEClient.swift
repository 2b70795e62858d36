import Foundation
import Logging

/// The RFC 8555 client protocol: the directory, anti-replay nonces (§6.5, retrying badNonce
/// with the nonce the error brought), JWS-signed requests (§6.2), POST-as-GET (§6.3), the
/// account (§7.3), orders, authorizations, challenges, finalization and the certificate (§7.4,
/// §7.5). Each step is logged; errors carry the server's problem document (§6.7).
///
/// There is no ACME library for Swift: this client is written here, on swift-crypto (ES256),
/// swift-certificates (the CSR) and AsyncHTTPClient (HTTP).
public actor ACMEClient {
    public let directoryURL: String
    let key: ACMEAccountKey
    let transport: any ACMEHTTPTransport
    let logger: Logger
    private var directory: ACMEDirectory?
    private var nonces: [String] = []
    /// The account URL, the `kid` of every request after newAccount (§7.3).
    public private(set) var accountURL: String?

    /// badNonce is retried this many times per request (§6.5: the client SHOULD retry).
    static let badNonceRetries = 10

    public init(directoryURL: String, key: ACMEAccountKey, transport: any ACMEHTTPTransport, logger: Logger) {
        self.directoryURL = directoryURL
        self.key = key
        self.transport = transport
        self.logger = logger
    }

    /// The directory (§7.1.1), fetched once.
    public func directory() async throws -> ACMEDirectory {
        if let directory { return directory }
        let response = try await send("GET", directoryURL, what: "directory")
        guard response.status == 200 else { throw try failure("directory", response) }
        let fetched: ACMEDirectory = try decode(response, "directory")
        directory = fetched
        return fetched
    }

    /// Finds or creates the account for this key, agreeing to the terms of service and giving
    /// the contact addresses (§7.3). 201: created; 200: the key's existing account.
    @discardableResult
    public func register(contact: [String]) async throws -> String {
        let directory = try await directory()
        if directory.meta?.externalAccountRequired == true {
            throw ACMEError.unsupported("the CA requires external account binding (RFC 8555 §7.3.4)")
        }
        var payload: [String: AnyEncodable] = ["termsOfServiceAgreed": AnyEncodable(true)]
        if !contact.isEmpty { payload["contact"] = AnyEncodable(contact) }
        let response = try await post(directory.newAccount, payload: try JSONEncoder().encode(payload), what: "newAccount", useJWK: true)
        guard response.status == 200 || response.status == 201, let location = response.header("Location") else {
            throw try failure("newAccount", response)
        }
        let account: ACMEAccount = try decode(response, "newAccount")
        accountURL = location
        logger.notice(response.status == 201 ? "ACME account created" : "ACME account found", metadata: [
            "account": "\(location)", "status": "\(account.status?.rawValue ?? "?")",
            "terms_of_service": "\(directory.meta?.termsOfService ?? "none")"])
        return location
    }

    /// A new order for dns identifiers (§7.4). Returns the order and its URL.
    public func newOrder(_ names: [String]) async throws -> (url: String, order: ACMEOrder) {
        let directory = try await directory()
        let payload = try JSONEncoder().encode(["identifiers": names.map(ACMEIdentifier.dns)])
        let response = try await post(directory.newOrder, payload: payload, what: "newOrder")
        guard response.status == 201, let location = response.header("Location") else { throw try failure("newOrder", response) }
        return (location, try decode(response, "newOrder"))
    }

    /// POST-as-GET of a resource (§6.3), decoded; also returns the Retry-After delay if any.
    public func fetch<T: Decodable>(_ url: String, as type: T.Type, what: String) async throws -> (T, retryAfter: Duration?) {
        let response = try await post(url, payload: nil, what: what)
        guard response.status == 200 else { throw try failure(what, response) }
        return (try decode(response, what), RetryAfter.parse(response.header("Retry-After")))
    }

    /// Tells the server the challenge is ready to be validated: POST `{}` (§7.5.1).
    public func respond(to challenge: ACMEChallenge) async throws {
        let response = try await post(challenge.url, payload: Data("{}".utf8), what: "challenge")
        guard response.status == 200 else { throw try failure("challenge", response) }
    }

    /// Sends the CSR (DER) to the order's finalize URL (§7.4).
    public func finalize(_ order: ACMEOrder, csr: [UInt8]) async throws -> ACMEOrder {
        let payload = try JSONEncoder().encode(["csr": Base64URL.encode(csr)])
        let response = try await post(order.finalize, payload: payload, what: "finalize")
        guard response.status == 200 else { throw try failure("finalize", response) }
        return try decode(response, "finalize")
    }

    /// Downloads the certificate chain as PEM (§7.4.2, application/pem-certificate-chain).
    public func downloadCertificate(_ url: String) async throws -> String {
        let response = try await post(url, payload: nil, what: "certificate", accept: "application/pem-certificate-chain")
        guard response.status == 200 else { throw try failure("certificate", response) }
        let pem = String(decoding: response.body, as: UTF8.self)
        guard pem.contains("-----BEGIN CERTIFICATE-----") else {
            throw ACMEError.unexpectedResponse(request: "certificate", status: response.status, "no PEM certificate in the reply")
        }
        return pem
    }

    public func shutdown() async throws { try await transport.shutdown() }

    // MARK: signed requests

    /// A JWS-signed POST with a fresh nonce; a badNonce problem is retried with the nonce that
    /// came with it (§6.5), up to `badNonceRetries` times.
    func post(_ url: String, payload: Data?, what: String, useJWK: Bool = false, accept: String? = nil) async throws -> ACMEHTTPResponse {
        var attempt = 0
        while true {
            let nonce = try await takeNonce()
            let identification: JWS.KeyIdentification
            if useJWK {
                identification = .jwk
            } else if let accountURL {
                identification = .kid(accountURL)
            } else {
                throw ACMEError.unexpectedResponse(request: what, status: 0, "no account yet: register first")
            }
            let body = try JWS.sign(payload: payload, url: url, nonce: nonce, key: key, identification: identification)
            var headers = [("Content-Type", "application/jose+json")]
            if let accept { headers.append(("Accept", accept)) }
            let response = try await send("POST", url, headers: headers, body: body, what: what)
            if response.status >= 400, let problem = problem(response), problem.acmeErrorName == "badNonce", attempt < Self.badNonceRetries {
                attempt += 1
                logger.info("ACME server rejected the nonce; retrying with a fresh one", metadata: ["request": "\(what)", "attempt": "\(attempt)"])
                continue
            }
            return response
        }
    }

    private func takeNonce() async throws -> String {
        if let nonce = nonces.popLast() { return nonce }
        let directory = try await directory()
        let response = try await send("HEAD", directory.newNonce, what: "newNonce")
        if let nonce = nonces.popLast() { return nonce }
        throw ACMEError.unexpectedResponse(request: "newNonce", status: response.status, "no Replay-Nonce header")
    }

    /// Every reply may carry a nonce for the next request (§6.5); keep it.
    private func send(_ method: String, _ url: String, headers: [(String, String)] = [], body: Data? = nil,
                      what: String) async throws -> ACMEHTTPResponse {
        let response: ACMEHTTPResponse
        do {
            response = try await transport.send(method: method, url: url, headers: headers, body: body)
        } catch {
            throw ACMEError.transport(request: what, "\(error)")
        }
        if let nonce = response.header("Replay-Nonce"), !nonce.isEmpty, nonce.utf8.count <= 256 {
            nonces.append(nonce)
            if nonces.count > 8 { nonces.removeFirst() }
        }
        return response
    }

    private func problem(_ response: ACMEHTTPResponse) -> ACMEProblem? {
        try? JSONDecoder().decode(ACMEProblem.self, from: response.body)
    }

    private func failure(_ what: String, _ response: ACMEHTTPResponse) throws -> ACMEError {
        if let problem = problem(response), problem.type != nil || problem.detail != nil {
            logger.error("ACME server refused the request", metadata: [
                "request": "\(what)", "http_status": "\(response.status)", "problem": "\(problem)"])
            return .problem(request: what, status: response.status, problem)
        }
        return .unexpectedResponse(request: what, status: response.status, String(decoding: response.body.prefix(200), as: UTF8.self))
    }

    private func decode<T: Decodable>(_ response: ACMEHTTPResponse, _ what: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: response.body)
        } catch {
            throw ACMEError.unexpectedResponse(request: what, status: response.status, "cannot read the JSON reply: \(error)")
        }
    }
}

/// Encodes a value of any Encodable type (the newAccount payload mixes a Bool and a list).
struct AnyEncodable: Encodable {
    private let encodeValue: (any Encoder) throws -> Void
    init(_ value: some Encodable) { encodeValue = value.encode }
    func encode(to encoder: any Encoder) throws { try encodeValue(encoder) }
}

/// The Retry-After header (RFC 9110 §10.2.3), which RFC 8555 §7.4 and §8.2 ask clients to
/// honour while polling: delay-seconds or an HTTP-date.
public enum RetryAfter {
    public static func parse(_ value: String?, now: Date = Date()) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int(value), seconds >= 0 { return .seconds(seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .seconds(max(0, Int(date.timeIntervalSince(now).rounded(.up))))
    }
}
