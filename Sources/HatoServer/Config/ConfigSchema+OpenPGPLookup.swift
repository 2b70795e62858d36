// `[openpgp]` keys for finding correspondents' keys (issue 21 "Publish and discover",
// docs/openpgp.md#finding-keys): the Web Key Directory and OPENPGPKEY records of their domain.

extension ConfigSchema {
    static let openPGPLookupKeys: [ConfigKey] = [
        key("openpgp.lookup", .stringList, .list([]),
            "Where to look for the key of a signer, or of a recipient to encrypt to, the contact directory has none for: \"wkd\" (Web Key Directory), \"openpgpkey\" (RFC 7929 DNS records), in the order given. Empty: no lookups."),
        key("openpgp.lookup_timeout", .duration, .int(5),
            "How long one lookup (all its methods together) may take before reception goes on without the key (1 to 60 s)."),
        key("openpgp.lookup_ca_file", .path, nil,
            "PEM certificates trusted for Web Key Directory HTTPS instead of the system roots (tests, private PKIs)."),
        key("openpgp.wkd_port", .integer(min: 1, max: 65535), .int(443),
            "The HTTPS port Web Key Directory lookups connect to. The draft fixes 443; change it only for tests."),
        key("openpgp.lookup_private_addresses", .boolean, .bool(false),
            "Allow Web Key Directory lookups to connect to loopback, private, link-local and other non-global addresses (off: a sender's DNS cannot make Hato fetch from the internal network)."),
        key("openpgp.trust_insecure_dns", .boolean, .bool(false),
            "Believe OPENPGPKEY records from zones that are not DNSSEC-signed (RFC 7929 §7 says not to: anyone on the path could choose the key)."),
        key("openpgp.lookup_miss_cache", .duration, .int(3600),
            "How long an address whose lookup found no key is not looked up again (0: always look up)."),
        key("openpgp.lookup_miss_cache_entries", .integer(min: 0, max: 1_000_000), .int(10_000),
            "The most addresses the miss cache remembers; the oldest go first."),
        key("openpgp.autocrypt_learn", .choice(["on", "off"]), .string("off"),
            "Learn correspondents' keys from the Autocrypt fields of DMARC-authenticated mail, per receiving account (Autocrypt Level 1 peer state)."),
        key("openpgp.autocrypt_peers", .integer(min: 1, max: 1_000_000), .int(1000),
            "The most Autocrypt peers remembered per account; those seen longest ago go first."),
        key("pgp.trust_insecure_dns", .boolean, .bool(false),
            "The same as openpgp.trust_insecure_dns (the spelling of issue 21); either one turns it on."),
    ]
}
