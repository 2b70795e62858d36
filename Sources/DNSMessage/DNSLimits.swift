// Every DNS limit in one place, each with the RFC that sets it.
public enum DNSLimits {
    /// RFC 1035 §2.3.4: labels are 63 octets or less.
    public static let maxLabelLength = 63
    /// RFC 1035 §2.3.4: names are 255 octets or less on the wire.
    public static let maxNameWireLength = 255
    /// RFC 1035 §2.3.4: UDP messages are 512 octets or less without EDNS0.
    public static let classicUDPPayload = 512
    /// RFC 6891 §6.2.5 and the DNS Flag Day 2020 recommendation: advertise 1232 octets.
    public static let defaultEDNSPayload: UInt16 = 1232
    /// RFC 1035 §4.2.2: a TCP message carries a two-octet length, so at most 65535 octets.
    public static let maxMessageLength = 65_535
    /// RFC 1035 §4.1.4: compression pointers point to earlier octets; we also cap the number of
    /// jumps per name so a hostile message cannot make decoding quadratic.
    public static let maxCompressionJumps = 64
    /// RFC 1035 §3.3.14: a character-string is a length octet and at most 255 octets.
    public static let maxCharacterString = 255
    /// RFC 2308 §5: negative answers are cached for min(SOA TTL, SOA MINIMUM); RFC 2308 §5 also
    /// suggests a cap of 1 to 3 hours on that value.
    public static let maxNegativeTTL: UInt32 = 3 * 3600
    /// RFC 8767 §4 suggests capping positive TTLs at 7 days; we cap at one day.
    public static let maxPositiveTTL: UInt32 = 86_400
    /// RFC 2181 §8: a TTL with the top bit set is treated as zero.
    public static let maxTTL: UInt32 = 0x7FFF_FFFF
}
