// S/MIME (RFC 8551, RFC 5652): the bytes of a signature part as OpenSSL's CMS parser and
// CMS_verify see them through Hato's wrapper (Sources/SMIME), the C boundary of issue 20.

import SMIME

/// `smime-cms`: the input as a detached signature over itself and as an opaque signed-data
/// structure. With an empty trust store nothing may pass; nothing may trap or leak (the
/// libFuzzer build runs with leak detection); the limits hold.
enum SMIMETarget {
    static let verifier = SMIMEVerifier(trust: try! SMIMETrustStore(sources: []),
                                        limits: SMIMELimits(maxSignatureSize: 65_536, maxCertificates: 8))

    static func run(_ bytes: [UInt8]) {
        let detached = verifier.verifyDetached(signature: bytes, content: Array(bytes.prefix(64)))
        if case .pass = detached { preconditionFailure("a signature passed without trust anchors") }
        let (opaque, content) = verifier.verifyOpaque(bytes)
        if case .pass = opaque { preconditionFailure("an opaque signature passed without trust anchors") }
        precondition(content == nil, "content returned for a signature that did not pass")
    }
}
