import Foundation

/// SASLprep (RFC 4013) as SCRAM requires for passwords (RFC 5802 §2.2, Normalize()).
///
/// Implemented: the mapping step (RFC 4013 §2.1: non-ASCII space to U+0020, "commonly mapped to
/// nothing" removed) and NFKC normalization (§2.2). Not implemented: the prohibited-output and
/// bidi checks, which only ever reject; a password that they would reject is accepted here, and
/// both sides of a login apply the same function, so logins stay consistent.
public enum SASLPrep {
    /// RFC 3454 Table C.1.2 (non-ASCII space characters).
    private static let nonASCIISpaces: Set<UInt32> = [
        0x00A0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007,
        0x2008, 0x2009, 0x200A, 0x200B, 0x202F, 0x205F, 0x3000,
    ]
    /// RFC 3454 Table B.1 (commonly mapped to nothing).
    private static let mappedToNothing: Set<UInt32> = [
        0x00AD, 0x034F, 0x1806, 0x180B, 0x180C, 0x180D, 0x200B, 0x200C, 0x200D, 0x2060,
        0xFE00, 0xFE01, 0xFE02, 0xFE03, 0xFE04, 0xFE05, 0xFE06, 0xFE07, 0xFE08, 0xFE09,
        0xFE0A, 0xFE0B, 0xFE0C, 0xFE0D, 0xFE0E, 0xFE0F, 0xFEFF,
    ]

    public static func prepare(_ input: String) -> String {
        if input.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return input }
        var mapped = String.UnicodeScalarView()
        for scalar in input.unicodeScalars {
            if nonASCIISpaces.contains(scalar.value) && scalar.value != 0x200B {
                mapped.append(" ")
            } else if !mappedToNothing.contains(scalar.value) {
                mapped.append(scalar)
            }
        }
        return String(mapped).precomposedStringWithCompatibilityMapping
    }
}
