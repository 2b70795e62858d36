import IMAPProtocol
import Testing

@Suite struct ModifiedUTF7Tests {
    /// RFC 3501 §5.1.3 example, RFC 2152-style edge cases, Japanese names.
    static let vectors: [(String, String)] = [
        ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
        ("INBOX", "INBOX"),
        ("Tom & Jerry", "Tom &- Jerry"),
        ("&", "&-"),
        ("送信済みメール", "&kAFP4W4IMH8w4TD8MOs-"),
        ("下書き", "&Tgtm+DBN-"),
        ("迷惑メール", "&j,dg0TDhMPww6w-"),
        ("ごみ箱", "&MFQwf3ux-"),
        ("Entwürfe", "Entw&APw-rfe"),
        ("😀 emoji", "&2D3eAA- emoji"),
        ("", ""),
    ]

    @Test(arguments: vectors)
    func encodesAndDecodes(_ unicode: String, _ wire: String) {
        #expect(ModifiedUTF7.encode(unicode) == wire)
        #expect(ModifiedUTF7.decode(Array(wire.utf8)) == unicode)
    }

    /// Not modified UTF-7: 8-bit, unterminated shifts, "/" instead of ",", encoded ASCII,
    /// leftover bits, a lone surrogate, two adjacent shifts.
    @Test(arguments: ["日本", "&ZeVn", "&U/BTFw-", "&AGE-", "&ZeVnLIqe", "&2D0-", "&ZeU-&ZeU-", "a\tb", "&ZeV-"])
    func rejects(_ wire: String) {
        #expect(ModifiedUTF7.decode(Array(wire.utf8)) == nil)
    }

    @Test func roundTripsManyScalars() {
        var rng = SplitMix(state: 7)
        for _ in 0..<300 {
            let scalars = (0..<Int.random(in: 0...12, using: &rng)).compactMap { _ -> UnicodeScalar? in
                let ranges: [ClosedRange<UInt32>] = [0x20...0x7E, 0x80...0x7FF, 0x3040...0x30FF, 0x4E00...0x9FFF, 0x1F600...0x1F64F]
                return UnicodeScalar(UInt32.random(in: ranges.randomElement(using: &rng)!, using: &rng))
            }
            let name = String(String.UnicodeScalarView(scalars))
            let wire = ModifiedUTF7.encode(name)
            #expect(wire.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F })
            #expect(ModifiedUTF7.decode(Array(wire.utf8)) == name, "\(name) -> \(wire)")
        }
    }
}
