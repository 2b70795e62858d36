import Foundation

/// A problem document (RFC 7807 as RFC 8555 §6.7 uses it): the error type URN, the server's
/// explanation, and per-identifier subproblems (§6.7.1).
public struct ACMEProblem: Decodable, Sendable, Equatable, CustomStringConvertible {
    public var type: String?
    public var detail: String?
    public var status: Int?
    public var identifier: ACMEIdentifier?
    public var subproblems: [ACMEProblem]?

    /// RFC 8555 §6.7: errors in the `urn:ietf:params:acme:error:` namespace, by their short name.
    public var acmeErrorName: String? {
        guard let type, type.hasPrefix(Self.namespace) else { return nil }
        return String(type.dropFirst(Self.namespace.count))
    }

    static let namespace = "urn:ietf:params:acme:error:"

    public var description: String {
        var text = acmeErrorName ?? type ?? "problem"
        if let identifier { text += " (\(identifier.value))" }
        if let detail, !detail.isEmpty { text += ": " + detail }
        if let subproblems, !subproblems.isEmpty { text += " [" + subproblems.map(\.description).joined(separator: "; ") + "]" }
        return text
    }
}

/// Everything the ACME client can fail with, each saying what it was doing.
public enum ACMEError: Error, Sendable, CustomStringConvertible {
    /// The server answered with a problem document (RFC 8555 §6.7).
    case problem(request: String, status: Int, ACMEProblem)
    /// A reply the client cannot use (wrong status, no Location, unparsable JSON ...).
    case unexpectedResponse(request: String, status: Int, String)
    /// The HTTP exchange itself failed (connection, TLS, timeout).
    case transport(request: String, String)
    /// An authorization ended invalid: the challenge's error says why.
    case authorizationFailed(domain: String, challenge: String, ACMEProblem?)
    /// The order ended invalid or did not progress in time.
    case orderFailed(String, ACMEProblem?)
    /// The server offers none of the challenge types this client can answer for a name.
    case noUsableChallenge(domain: String, offered: [String])
    /// The server requires something this client does not do (external account binding).
    case unsupported(String)
    case timedOut(String)

    public var description: String {
        switch self {
        case .problem(let request, let status, let problem): "\(request): HTTP \(status) \(problem)"
        case .unexpectedResponse(let request, let status, let why): "\(request): unexpected reply (HTTP \(status)): \(why)"
        case .transport(let request, let why): "\(request): \(why)"
        case .authorizationFailed(let domain, let challenge, let problem):
            "\(challenge) validation of \(domain) failed" + (problem.map { ": \($0)" } ?? "")
        case .orderFailed(let why, let problem): "order failed: \(why)" + (problem.map { ": \($0)" } ?? "")
        case .noUsableChallenge(let domain, let offered):
            "no usable challenge for \(domain) (offered: \(offered.joined(separator: ", ")))"
        case .unsupported(let what): "not supported: \(what)"
        case .timedOut(let what): "timed out: \(what)"
        }
    }

    /// True for the RFC 8555 §6.5 badNonce error, which the client retries with a fresh nonce.
    var isBadNonce: Bool {
        if case .problem(_, _, let problem) = self { return problem.acmeErrorName == "badNonce" }
        return false
    }
}
