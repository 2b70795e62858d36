/// OpenSSL's names for the cipher suites BoringSSL can negotiate here (TLS 1.3's are the RFC
/// 8446 §B.4 names; TLS 1.2's are the ones Postfix and Dovecot print, so logs compare). Code
/// points from the IANA TLS Cipher Suites registry.
enum TLSCipherSuiteNames {
    static let names: [UInt16: String] = [
        // TLS 1.3 (RFC 8446 §B.4)
        0x1301: "TLS_AES_128_GCM_SHA256",
        0x1302: "TLS_AES_256_GCM_SHA384",
        0x1303: "TLS_CHACHA20_POLY1305_SHA256",
        // TLS 1.2, ECDHE with AEAD (RFC 5289, RFC 7905)
        0xC02B: "ECDHE-ECDSA-AES128-GCM-SHA256",
        0xC02C: "ECDHE-ECDSA-AES256-GCM-SHA384",
        0xC02F: "ECDHE-RSA-AES128-GCM-SHA256",
        0xC030: "ECDHE-RSA-AES256-GCM-SHA384",
        0xCCA8: "ECDHE-RSA-CHACHA20-POLY1305",
        0xCCA9: "ECDHE-ECDSA-CHACHA20-POLY1305",
        // TLS 1.2, ECDHE with CBC (RFC 4492, RFC 5289), for older peers
        0xC009: "ECDHE-ECDSA-AES128-SHA",
        0xC00A: "ECDHE-ECDSA-AES256-SHA",
        0xC013: "ECDHE-RSA-AES128-SHA",
        0xC014: "ECDHE-RSA-AES256-SHA",
        0xC023: "ECDHE-ECDSA-AES128-SHA256",
        0xC024: "ECDHE-ECDSA-AES256-SHA384",
        0xC027: "ECDHE-RSA-AES128-SHA256",
        0xC028: "ECDHE-RSA-AES256-SHA384",
        // TLS 1.2, RSA key exchange (no forward secrecy; not enabled by Hato's TLS configuration)
        0x002F: "AES128-SHA",
        0x0035: "AES256-SHA",
        0x009C: "AES128-GCM-SHA256",
        0x009D: "AES256-GCM-SHA384",
    ]

    /// The name, or the code point in hex (`0xC0A1`) for a suite not in the table.
    static func name(_ suite: UInt16) -> String {
        names[suite] ?? "0x" + String(suite, radix: 16, uppercase: true).leftPadded(to: 4)
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
