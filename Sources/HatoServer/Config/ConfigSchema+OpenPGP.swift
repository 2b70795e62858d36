// `[openpgp]`: OpenPGP certificates and PGP/MIME signature verification (issue 21, docs/openpgp.md).

extension ConfigSchema {
    static let openPGPKeys: [ConfigKey] = [
        key("openpgp.verify", .choice(["on", "off"]), .string("on"),
            "Verify PGP/MIME signatures of mail arriving on the smtp listener against the contact directory; the result goes into Hato-OpenPGP."),
        key("openpgp.max_signature_size", .size, .int(16_384),
            "Largest application/pgp-signature part verified; a larger one gives verified=no."),
        key("openpgp.max_certificate_size", .size, .int(262_144),
            "Largest certificate `hato pgp import` reads, and largest stored certificate a verification loads."),
        key("openpgp.max_inline_size", .size, .int(1_048_576),
            "Largest inline-signed (cleartext-signed) text body verified; a larger one gives verified=no."),
        key("openpgp.autocrypt", .choice(["on", "off"]), .string("off"),
            "Add an Autocrypt field (the account's own certificate) to mail an account sends from its own address, unless the message has one or is encrypted."),
        key("openpgp.web_key_directory", .choice(["on", "off"]), .string("on"),
            "Publish accounts' own certificates in the OpenPGP Web Key Directory on the http/https listeners (/.well-known/openpgpkey/)."),
        key("openpgp.sign", .choice(["never", "always"]), .string("never"),
            "Sign what accounts submit (PGP/MIME multipart/signed, SHA-256) with the secret key `hato pgp import --secret` stored; an account without one sends unsigned."),
        key("openpgp.encrypt", .choice(["never", "opportunistic", "required"]), .string("never"),
            "Encrypt what accounts submit (PGP/MIME) to the recipients' certificates and the sender's: opportunistic when every recipient has one, required refuses a recipient without one (5.7.1)."),
        key("openpgp.header_protection", .choice(["on", "off"]), .string("off"),
            "Protect the header of what Hato signs or encrypts on submission (RFC 9788), as smime.header_protection: the fields copied into the signed or encrypted entity (hp=\"clear\"/\"cipher\"); encrypted mail shows Subject [...] outside (hcp_baseline)."),
        key("openpgp.autocrypt_gossip", .choice(["on", "off"]), .string("off"),
            "In mail encrypted on submission to two or more recipients named in To/Cc, put an Autocrypt-Gossip field with each one's key inside the encryption (Autocrypt Level 1 §2.7)."),
        key("openpgp.policy", .tableList(fields: ["for", "sign", "encrypt"], required: 1), nil,
            "Per-account and per-domain sign/encrypt: [[openpgp.policy]] entries with for (an address or a domain) and sign and/or encrypt; an address beats its domain, which beats openpgp.sign/openpgp.encrypt."),
        key("openpgp.at_rest_headers", .stringList, .list(OpenPGPSettings.defaultAtRestHeaders),
            "Header fields kept in clear above a message stored encrypted at rest (hato pgp at-rest); every field is also inside the encryption."),
    ]
}
