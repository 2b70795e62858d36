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
    ]
}
