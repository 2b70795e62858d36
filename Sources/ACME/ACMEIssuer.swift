import Crypto
import Foundation
import Logging

/// One certificate issuance from start to end (RFC 8555 §7.1 "Overview"): account, order, one
/// challenge per pending authorization (served from the `ACMEChallengeStore` while the CA
/// validates), finalize with a CSR for the certificate key, and the PEM chain.
public struct ACMEIssuer: Sendable {
    public let client: ACMEClient
    public let challenges: ACMEChallengeStore
    public let challengeType: ACMEChallengeType
    public let contact: [String]
    public let logger: Logger
    /// How long validation and issuance may take before the attempt is given up.
    public var deadline: Duration = .seconds(300)
    /// Polling interval when the server sends no Retry-After; doubled up to `maximumPoll`.
    public var firstPoll: Duration = .milliseconds(500)
    public var maximumPoll: Duration = .seconds(10)

    public init(client: ACMEClient, challenges: ACMEChallengeStore, challengeType: ACMEChallengeType, contact: [String], logger: Logger) {
        self.client = client
        self.challenges = challenges
        self.challengeType = challengeType
        self.contact = contact
        self.logger = logger
    }

    /// Returns the certificate chain (PEM, leaf first) for `names` and `key`.
    public func issue(names: [String], key: P256.Signing.PrivateKey) async throws -> String {
        let clock = ContinuousClock()
        let end = clock.now + deadline
        try await client.register(contact: contact)
        let (orderURL, created) = try await client.newOrder(names)
        logger.notice("ACME order created", metadata: [
            "order": "\(orderURL)", "names": "\(names.joined(separator: ","))", "status": "\(created.status.rawValue)"])
        var served: [(name: String, token: String)] = []
        defer { for entry in served { challenges.remove(challengeType, name: entry.name, token: entry.token) } }
        for authorizationURL in created.authorizations {
            try await authorize(authorizationURL, served: &served, until: end)
        }
        var order = try await poll(orderURL, ACMEOrder.self, what: "order", until: end) { $0.status != .pending }
        guard order.status == .ready || order.status == .valid else {
            throw ACMEError.orderFailed("the order is \(order.status.rawValue) after validation", order.error)
        }
        if order.status == .ready {
            let csr = try CertificateRequest.make(names: names, key: key)
            order = try await client.finalize(order, csr: csr)
            logger.info("ACME order finalized", metadata: ["order": "\(orderURL)", "status": "\(order.status.rawValue)"])
        }
        if order.status != .valid {
            order = try await poll(orderURL, ACMEOrder.self, what: "order", until: end) { $0.status != .processing && $0.status != .ready }
        }
        guard order.status == .valid, let certificateURL = order.certificate else {
            throw ACMEError.orderFailed("the order is \(order.status.rawValue) after finalize", order.error)
        }
        let chain = try await client.downloadCertificate(certificateURL)
        logger.notice("ACME certificate issued", metadata: ["certificate": "\(certificateURL)", "names": "\(names.joined(separator: ","))"])
        return chain
    }

    /// One authorization (§7.5): nothing to do when already valid (a reused authorization);
    /// otherwise serve the challenge, tell the server, and wait for the verdict.
    func authorize(_ url: String, served: inout [(name: String, token: String)], until end: ContinuousClock.Instant) async throws {
        let (authorization, _) = try await client.fetch(url, as: ACMEAuthorization.self, what: "authorization")
        let name = authorization.identifier.value
        switch authorization.status {
        case .valid:
            logger.info("ACME authorization already valid", metadata: ["name": "\(name)"])
            return
        case .pending: break
        default:
            throw ACMEError.authorizationFailed(domain: name, challenge: challengeType.rawValue,
                                                authorization.challenges.first { $0.error != nil }?.error)
        }
        guard let challenge = authorization.challenges.first(where: { $0.type == challengeType.rawValue }), let token = challenge.token,
              !token.isEmpty, token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else {
            throw ACMEError.noUsableChallenge(domain: name, offered: authorization.challenges.map(\.type))
        }
        try challenges.add(challengeType, name: name, token: token, keyAuthorization: client.key.keyAuthorization(token: token))
        served.append((name, token))
        logger.info("ACME challenge ready", metadata: ["name": "\(name)", "type": "\(challengeType.rawValue)", "authorization": "\(url)"])
        try await client.respond(to: challenge)
        let result = try await poll(url, ACMEAuthorization.self, what: "authorization", until: end) { $0.status != .pending }
        guard result.status == .valid else {
            let error = result.challenges.first { $0.type == challengeType.rawValue }?.error
            logger.error("ACME validation failed", metadata: [
                "name": "\(name)", "type": "\(challengeType.rawValue)", "problem": "\(error.map { "\($0)" } ?? result.status.rawValue)"])
            throw ACMEError.authorizationFailed(domain: name, challenge: challengeType.rawValue, error)
        }
        logger.notice("ACME authorization valid", metadata: ["name": "\(name)", "type": "\(challengeType.rawValue)"])
    }

    /// Fetches `url` until `done` holds, waiting Retry-After when the server gives one (§7.5.1,
    /// §7.4), else `firstPoll` doubling to `maximumPoll`; never past `end`.
    func poll<T: Decodable & Sendable>(_ url: String, _ type: T.Type, what: String, until end: ContinuousClock.Instant,
                                        _ done: (T) -> Bool) async throws -> T {
        var interval = firstPoll
        while true {
            let (value, retryAfter) = try await client.fetch(url, as: type, what: what)
            if done(value) { return value }
            let wait = min(retryAfter ?? interval, maximumPoll)
            guard ContinuousClock.now + wait < end else { throw ACMEError.timedOut("waiting for the \(what) at \(url)") }
            try await Task.sleep(for: wait)
            interval = min(interval * 2, maximumPoll)
        }
    }
}
