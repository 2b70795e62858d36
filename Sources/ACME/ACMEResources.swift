import Foundation

/// The directory object (RFC 8555 §7.1.1): the URLs of the server's resources.
public struct ACMEDirectory: Decodable, Sendable {
    public struct Meta: Decodable, Sendable {
        public var termsOfService: String?
        public var website: String?
        public var caaIdentities: [String]?
        public var externalAccountRequired: Bool?
    }
    public var newNonce: String
    public var newAccount: String
    public var newOrder: String
    public var revokeCert: String?
    public var keyChange: String?
    public var meta: Meta?
}

/// An identifier in an order or authorization (RFC 8555 §9.7.7: type "dns").
public struct ACMEIdentifier: Codable, Sendable, Equatable {
    public var type: String
    public var value: String
    public static func dns(_ name: String) -> ACMEIdentifier { ACMEIdentifier(type: "dns", value: name) }
}

/// Status values of orders, authorizations and challenges (RFC 8555 §7.1.6).
public enum ACMEStatus: String, Decodable, Sendable {
    case pending, ready, processing, valid, invalid, revoked, deactivated, expired
}

/// An order (RFC 8555 §7.1.3).
public struct ACMEOrder: Decodable, Sendable {
    public var status: ACMEStatus
    public var expires: String?
    public var identifiers: [ACMEIdentifier]
    public var authorizations: [String]
    public var finalize: String
    public var certificate: String?
    public var error: ACMEProblem?
}

/// An authorization (RFC 8555 §7.1.4).
public struct ACMEAuthorization: Decodable, Sendable {
    public var identifier: ACMEIdentifier
    public var status: ACMEStatus
    public var expires: String?
    public var challenges: [ACMEChallenge]
    public var wildcard: Bool?
}

/// A challenge (RFC 8555 §7.1.5, §8): type, URL, status, the token for http-01 and
/// tls-alpn-01 (§8.3, RFC 8737 §3) and the error that made it invalid.
public struct ACMEChallenge: Decodable, Sendable {
    public var type: String
    public var url: String
    public var status: ACMEStatus
    public var token: String?
    public var validated: String?
    public var error: ACMEProblem?
}

/// The account object (RFC 8555 §7.1.2); only what the client reads.
struct ACMEAccount: Decodable, Sendable {
    var status: ACMEStatus?
    var contact: [String]?
}
