// `[smime]`: S/MIME signature verification on the MX listener (issue 20, docs/smime.md).

extension ConfigSchema {
    static let smimeKeys: [ConfigKey] = [
        key("smime.verify", .choice(["on", "off"]), .string("on"),
            "Verify S/MIME signatures of mail arriving on the smtp listener and record smime= in Authentication-Results."),
        key("smime.trust", .stringList, .list(["system"]),
            "Trust anchors for signer chains: \"system\" (Debian's ca-certificates), PEM files, directories of .pem/.crt files."),
        key("smime.max_signature_size", .size, .int(1_048_576),
            "Largest CMS structure verified (an opaque signed-data part holds the whole content); larger gives smime=neutral."),
        key("smime.max_certificates", .integer(min: 1, max: 1000), .int(16),
            "Most certificates one signature may carry; more gives smime=neutral."),
    ]
}
