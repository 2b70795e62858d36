import Foundation

/// The `[openpgp]` lookup keys, checked and typed (docs/openpgp.md#finding-keys).
public struct OpenPGPLookupSettings: Sendable {
    public enum Method: String, Sendable, CaseIterable {
        case wkd
        case openpgpkey
    }

    /// In the order to try them; empty: no lookups.
    public var methods: [Method]
    public var timeout: Duration
    public var caFile: String?
    public var wkdPort: Int
    public var privateAddresses: Bool
    public var trustInsecureDNS: Bool
    public var missCache: Duration
    public var missCacheEntries: Int
    /// Learn keys from incoming Autocrypt fields (`openpgp.autocrypt_learn`).
    public var autocryptLearn: Bool
    public var autocryptPeers: Int

    init(string: (String) -> String?, int: (String) -> Int, list: (String) -> [String]?, bool: (String) -> Bool) throws {
        methods = try (list("openpgp.lookup") ?? []).map { word in
            guard let method = Method(rawValue: word.lowercased()) else {
                throw ConfigKeyError(path: "openpgp.lookup", message: "\(word) is neither \"wkd\" nor \"openpgpkey\"")
            }
            return method
        }
        let seconds = int("openpgp.lookup_timeout")
        guard (1...60).contains(seconds) else { throw ConfigKeyError(path: "openpgp.lookup_timeout", message: "must be between 1 and 60 seconds") }
        timeout = .seconds(seconds)
        caFile = string("openpgp.lookup_ca_file")
        wkdPort = int("openpgp.wkd_port")
        privateAddresses = bool("openpgp.lookup_private_addresses")
        trustInsecureDNS = bool("openpgp.trust_insecure_dns") || bool("pgp.trust_insecure_dns")
        missCache = .seconds(int("openpgp.lookup_miss_cache"))
        missCacheEntries = int("openpgp.lookup_miss_cache_entries")
        autocryptLearn = (string("openpgp.autocrypt_learn") ?? "off") == "on"
        autocryptPeers = int("openpgp.autocrypt_peers")
    }
}
