// `[smime]`: S/MIME verification on the MX listener, signing and encryption on submission
// (issue 20, docs/smime.md).

import SMIME

extension ConfigSchema {
    static let smimeKeys: [ConfigKey] = [
        key("smime.verify", .choice(["on", "off"]), .string("on"),
            "Verify S/MIME signatures of mail arriving on the smtp listener and record smime= in Authentication-Results."),
        key("smime.harvest", .choice(["on", "off"]), .string("on"),
            "Keep the certificate of a signer whose signature passed and matched From as a correspondent's, so mail to them can be encrypted (never for addresses in our own domains)."),
        key("smime.smimea_lookup", .choice(["on", "off"]), .string("on"),
            "Look up a recipient without a stored certificate in DNS (SMIMEA, RFC 8162); only DNSSEC-secure answers are used ([dns] dnssec)."),
        key("smime.at_rest_headers", .stringList, .list(SMIMESettings.defaultAtRestHeaders),
            "Header fields kept in clear above a message stored encrypted at rest (hato smime at-rest); every field is also inside the encryption."),
        key("smime.rsa_signature", .choice(["pkcs1v15", "pss"]), .string("pkcs1v15"),
            "How RSA keys sign: PKCS#1 v1.5 (every client verifies it) or RSASSA-PSS (RFC 8551 §2.2 SHOULD+, RFC 4056). EC keys sign with ECDSA either way."),
        key("smime.content_encryption", .choice(["aes256-cbc", "aes256-gcm"]), .string("aes256-cbc"),
            "What Hato encrypts with (submission, at rest, hato smime encrypt): AES-256-CBC EnvelopedData, which every client reads, or AES-256-GCM AuthEnvelopedData (RFC 5083), which authenticates the content but older clients cannot open."),
        key("smime.header_protection", .boolean, .bool(false),
            "Protect the header of what Hato signs or encrypts on submission (RFC 9788): the fields copied into the signed or encrypted entity (hp=\"clear\"/\"cipher\"); encrypted mail shows Subject [...] outside (hcp_baseline)."),
        key("smime.trust", .stringList, .list(["system"]),
            "Trust anchors for signer chains: \"system\" (Debian's ca-certificates), PEM files, directories of .pem/.crt files."),
        key("smime.max_signature_size", .size, .int(1_048_576),
            "Largest CMS structure verified (an opaque signed-data part holds the whole content); larger gives smime=neutral."),
        key("smime.revocation", .choice(SMIMERevocationMode.allCases.map(\.rawValue)), .string("soft-fail"),
            "Revocation checking of a passing signer's chain (OCSP, then CRL, over http): soft-fail records an unanswered check in the smime= comment, hard-fail makes it smime=temperror; a revoked certificate gives smime=fail either way."),
        key("smime.revocation_timeout", .duration, .int(5),
            "The most time one message's revocation check may take (every OCSP request and CRL download together)."),
        key("smime.revocation_max_response", .size, .int(4_194_304),
            "Largest OCSP response or CRL read; a larger one counts as no answer."),
        key("smime.revocation_cache_size", .size, .int(33_554_432),
            "Bytes of CRLs and OCSP answers kept in memory until their nextUpdate (the oldest go first)."),
        key("smime.max_certificates", .integer(min: 1, max: 1000), .int(16),
            "Most certificates one signature may carry; more gives smime=neutral."),
        key("smime.sign", .choice(["never", "always", "if-requested"]), .string("never"),
            "Sign what accounts submit (multipart/signed, SHA-256) with their imported key: always, or only when the message has a Hato-SMIME: sign field."),
        key("smime.encrypt", .choice(["never", "opportunistic", "required"]), .string("never"),
            "Encrypt what accounts submit to the recipients' certificates and the sender's: opportunistic when every recipient has one, required refuses a recipient without one (5.7.1)."),
        key("smime.policy", .tableList(fields: ["for", "sign", "encrypt"], required: 1), nil,
            "Per-account and per-domain sign/encrypt: [[smime.policy]] entries with for (an address or a domain) and sign and/or encrypt; an address beats its domain, which beats smime.sign/smime.encrypt."),
        key("smime.max_encrypted_size", .size, .int(67_108_864),
            "Largest encrypted part `hato smime decrypt` opens."),
    ]
}
