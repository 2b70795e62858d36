import Foundation

/// Flattened JWS JSON serialization (RFC 7515 §7.2.2) of an ACME request (RFC 8555 §6.2): the
/// protected header carries alg ES256, the anti-replay nonce, the request URL and either the
/// account's JWK (newAccount) or its URL as kid (everything else).
enum JWS {
    enum KeyIdentification {
        case jwk
        case kid(String)
    }

    /// `payload` nil: POST-as-GET (RFC 8555 §6.3), an empty payload string.
    static func sign(payload: Data?, url: String, nonce: String, key: ACMEAccountKey, identification: KeyIdentification) throws -> Data {
        let keyMember: String
        switch identification {
        case .jwk: keyMember = #""jwk":\#(key.jwkJSON)"#
        case .kid(let account): keyMember = #""kid":\#(jsonString(account))"#
        }
        let header = #"{"alg":"ES256",\#(keyMember),"nonce":\#(jsonString(nonce)),"url":\#(jsonString(url))}"#
        let protected = Base64URL.encode(header)
        let encodedPayload = payload.map { Base64URL.encode($0) } ?? ""
        let signature = Base64URL.encode(try key.sign(protected + "." + encodedPayload))
        let body = #"{"protected":"\#(protected)","payload":"\#(encodedPayload)","signature":"\#(signature)"}"#
        return Data(body.utf8)
    }

    /// A JSON string literal for a value.
    static func jsonString(_ value: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let data = (try? encoder.encode(value)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
