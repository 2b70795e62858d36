// TLS ClientHello (RFC 8446 §4.1.2, RFC 6066 §3, RFC 7301 §3.1): what the implicit-TLS
// listeners read before choosing a certificate while ACME tls-alpn-01 is on (RFC 8737).

import TLSClientHello

/// `tls-client-hello`: `ClientHelloParser.parse` on every prefix length the drip chooses. Once
/// a prefix is decided (a ClientHello or not one), every longer prefix gives the same answer:
/// more bytes never change a decision the listener has already acted on.
enum TLSClientHelloTarget {
    static func run(_ bytes: [UInt8]) {
        let whole = ClientHelloParser.parse(bytes)
        if case .clientHello(let hello) = whole {
            precondition((hello.serverName?.utf8.count ?? 0) <= 65_535, "server name longer than its field")
            precondition(hello.applicationProtocols.count <= 32_768, "more protocols than the list can hold")
        }
        var decided: ClientHelloParser.Outcome?
        var end = 0
        while end < bytes.count {
            end = min(bytes.count, end + 1 + Int(bytes[end] % 16))
            let outcome = ClientHelloParser.parse(bytes[..<end])
            if let decided {
                precondition(outcome == decided, "a decided ClientHello changed with more bytes")
            } else if outcome != .needMoreData {
                decided = outcome
            }
        }
        if let decided { precondition(decided == whole, "prefix and whole input disagree") }
    }
}
