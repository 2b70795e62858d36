import Foundation
import RiskAssessment
import Testing

/// The ICU shim: UTS #39 skeletons and confusability (uspoof, libicui18n) and NFKC.
@Suite struct ConfusablesTests {
    @Test func skeletonsOfLookalikes() {
        #expect(Confusables.skeleton("rnicrosoft.com") == Confusables.skeleton("microsoft.com"))
        #expect(Confusables.skeleton("paypa1.com") == Confusables.skeleton("paypal.com"))
        #expect(Confusables.skeleton("\u{0430}pple.com") == Confusables.skeleton("apple.com"), "Cyrillic а")
        #expect(Confusables.skeleton("example.co.jp") != Confusables.skeleton("example.or.jp"))
        #expect(Confusables.areConfusable("paypa1", "paypal") && !Confusables.areConfusable("paypal", "example"))
    }

    @Test func nfkcFoldsWidths() {
        #expect(Confusables.nfkc("ＹＡＭＡＤＡ　ﾀﾛｳ") == "YAMADA タロウ")
        #expect(Confusables.nfkc("") == "")
        // Every ASCII character is its own NFKC form (the fast path skips ICU for it).
        let ascii = String(decoding: (0..<128).map { UInt8($0) }, as: UTF8.self)
        #expect(Confusables.nfkc(ascii) == ascii)
        #expect(Confusables.nfkc(ascii + "ﾀ") == ascii + "タ")
        #expect(Confusables.nfkc(String(repeating: "ﾊﾟ", count: 5000)) == String(repeating: "パ", count: 5000), "buffers grow")
    }

    /// The ASCII test reads eight bytes at a time: a non-ASCII byte in any block position or in
    /// the tail is found, and such text still goes through NFKC.
    @Test func asciiCheckFindsANonASCIIByteAnywhere() {
        for length in 0..<24 {
            let ascii = String(repeating: "a", count: length)
            #expect(Confusables.isASCII(ascii))
            for position in 0...length {
                var scalars = Array(ascii.unicodeScalars)
                scalars.insert("ﾀ", at: position)
                var text = ""
                text.unicodeScalars.append(contentsOf: scalars)
                #expect(!Confusables.isASCII(text), "length \(length) position \(position)")
                #expect(Confusables.nfkc(text) == text.replacingOccurrences(of: "ﾀ", with: "タ"))
            }
        }
        #expect(!Confusables.isASCII("\u{7F}é"))
        #expect(Confusables.isASCII("\u{7F}"))
    }

    @Test func concurrentCallsShareOneChecker() async {
        await withTaskGroup(of: Bool.self) { group in
            for n in 0..<32 { group.addTask { Confusables.skeleton("paypa\(n % 2 == 0 ? "1" : "l").com") == Confusables.skeleton("paypal.com") } }
            for await same in group { #expect(same) }
        }
    }
}
