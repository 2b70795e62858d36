// The i;unicode-casemap comparator (RFC 5051 §2) that SORT and THREAD compare strings with.
import Foundation

enum UnicodeCasemap {
    /// RFC 5051 §2: each character replaced by its titlecase mapping, the result decomposed
    /// (NFKD), as UTF-8. Two strings are equal when their keys are; they sort by the keys'
    /// octets (§2.2). For ASCII this agrees with i;ascii-casemap (RFC 4790 §9.2), the RFC 5256
    /// default: letters fold to upper case, nothing else changes.
    static func key(_ s: String) -> [UInt8] {
        var bytes = Array(s.utf8)
        if bytes.allSatisfy({ $0 < 0x80 }) {
            for i in bytes.indices where bytes[i] >= 0x61 && bytes[i] <= 0x7A { bytes[i] -= 0x20 }
            return bytes
        }
        var titled = ""
        titled.reserveCapacity(bytes.count)
        for scalar in s.unicodeScalars { titled += scalar.properties.titlecaseMapping }
        return Array(titled.decomposedStringWithCompatibilityMapping.utf8)
    }

    /// The octet order of §2.2 ("i;octet" on the mapped strings).
    static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool { a.lexicographicallyPrecedes(b) }
}
