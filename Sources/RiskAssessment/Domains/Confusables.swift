// UTS #39 confusable detection through ICU's uspoof (libicui18n): the skeleton maps every
// character to a prototype of what it looks like ("rn" -> "m", "1" -> "l", Cyrillic "а" -> "a"),
// so two strings that look alike have equal skeletons (UTS #39 §4).

import CICU

public enum Confusables {
    /// The UTS #39 skeleton of `text`; nil if ICU fails (then nothing is called confusable).
    public static func skeleton(_ text: String) -> String? {
        call(text, cicu_spoof_skeleton)
    }

    /// Whether ICU calls `a` and `b` confusable (uspoof_areConfusableUTF8).
    public static func areConfusable(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { left in
            b.withUTF8 { right in
                left.withMemoryRebound(to: CChar.self) { l in
                    right.withMemoryRebound(to: CChar.self) { r in
                        cicu_spoof_confusable(l.baseAddress, Int32(l.count), r.baseAddress, Int32(r.count)) == 1
                    }
                }
            }
        }
    }

    /// NFKC (UAX #15): full-width "ＡＢＣ" and half-width "ｶﾀｶﾅ" become "ABC" and "カタカナ".
    public static func nfkc(_ text: String) -> String {
        // ASCII is its own NFKC form (no ASCII character has a decomposition mapping): the usual
        // English message text skips ICU's UTF-16 round trip (docs/PERFORMANCE.md, issue 24).
        if isASCII(text) { return text }
        return call(text, cicu_nfkc) ?? text
    }

    /// Whether every byte is ASCII, eight bytes at a time over the contiguous UTF-8 (a native
    /// String always has it; the byte loop is the fallback).
    public static func isASCII(_ text: String) -> Bool {
        if let answer = text.utf8.withContiguousStorageIfAvailable({ bytes -> Bool in
            guard let base = UnsafeRawPointer(bytes.baseAddress) else { return true }
            let count = bytes.count
            var index = 0
            while index + 8 <= count {
                if base.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
                index += 8
            }
            while index < count {
                if base.load(fromByteOffset: index, as: UInt8.self) >= 0x80 { return false }
                index += 1
            }
            return true
        }) { return answer }
        return text.utf8.allSatisfy { $0 < 0x80 }
    }

    /// Calls a CICU UTF-8 -> UTF-8 function, growing the buffer once when it reports more.
    private static func call(_ text: String, _ function: (UnsafePointer<CChar>?, Int32, UnsafeMutablePointer<CChar>?, Int32) -> Int32) -> String? {
        guard !text.isEmpty else { return "" }
        var input = text
        return input.withUTF8 { source -> String? in
            source.withMemoryRebound(to: CChar.self) { source -> String? in
                var capacity = source.count * 4 + 16
                for _ in 0..<2 {
                    var output = [CChar](repeating: 0, count: capacity)
                    let length = function(source.baseAddress, Int32(source.count), &output, Int32(capacity))
                    if length < 0 { return nil }
                    if Int(length) < capacity {
                        return String(decoding: output[..<Int(length)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    }
                    capacity = Int(length) + 1
                }
                return nil
            }
        }
    }
}
