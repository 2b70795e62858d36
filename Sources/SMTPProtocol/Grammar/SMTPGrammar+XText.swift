/// xtext (RFC 3461 §4): how ENVID, ORCPT and AUTH= carry octets an esmtp-value cannot.
public enum SMTPXText {
    // xtext   = *( xchar / hexchar )
    // xchar   = any ASCII CHAR between "!" (33) and "~" (126) inclusive, except for "+" and "=".
    // hexchar = ASCII "+" immediately followed by two upper case hexadecimal digits
    /// The decoded octets; nil on a byte outside xchar or a malformed hexchar (lower-case hex
    /// digits included: the RFC says upper case).
    public static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        var result: [UInt8] = []
        result.reserveCapacity(text.count)
        var iterator = text.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"):
                guard let high = iterator.next().flatMap(upperHexValue), let low = iterator.next().flatMap(upperHexValue) else {
                    return nil
                }
                result.append(high << 4 | low)
            case UInt8(ascii: "="):
                return nil
            case 33...126:
                result.append(byte)
            default:
                return nil
            }
        }
        return result
    }

    /// Encodes octets as xtext: xchars as themselves, everything else as "+HH".
    public static func encode(_ octets: some Sequence<UInt8>) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var result: [UInt8] = []
        for byte in octets {
            if (33...126).contains(byte), byte != UInt8(ascii: "+"), byte != UInt8(ascii: "=") {
                result.append(byte)
            } else {
                result += [UInt8(ascii: "+"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    private static func upperHexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
