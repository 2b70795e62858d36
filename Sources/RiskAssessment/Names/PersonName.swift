// Display names compared the way a reader's eye compares them: NFKC (full-width "ＹＡＭＡＤＡ"
// and half-width "ﾔﾏﾀﾞ" fold to "YAMADA" and "ヤマダ"), case folded, katakana folded to
// hiragana, spaces (U+3000 too), middle dots and punctuation dropped, honorifics removed,
// and Latin names compared regardless of word order ("Taro Yamada" and "YAMADA Taro").

import Foundation

/// A display name reduced for comparison.
struct PersonName: Equatable {
    /// The folded characters, without separators.
    let folded: String
    /// Folded words in sorted order (Latin names written either way round).
    let sortedWords: String
    let isLatin: Bool
    /// `folded`'s Unicode scalars (as many as characters for a Latin name), kept for the
    /// one-edit comparison.
    let scalars: [Unicode.Scalar]

    /// Honorifics and titles dropped before comparing ("山田様", "Mr. Yamada").
    static let honorifics = ["様", "さま", "さん", "殿", "先生", "社長", "部長", "課長", "mr", "mrs", "ms", "dr"]

    init?(_ text: String) {
        let normalized = Confusables.nfkc(text).lowercased()
        var words: [String] = []
        var word = ""
        for scalar in normalized.unicodeScalars {
            if Self.isSeparator(scalar) {
                if !word.isEmpty { words.append(word) }
                word = ""
            } else {
                word.unicodeScalars.append(Self.hiragana(scalar))
            }
        }
        if !word.isEmpty { words.append(word) }
        words = words.filter { !Self.honorifics.contains($0) }.map { word in
            var word = word
            for honorific in Self.honorifics where honorific.unicodeScalars.contains(where: { $0.value > 0x7F }) {
                if word.hasSuffix(honorific) && word.count > honorific.count { word.removeLast(honorific.count) }
            }
            return word
        }
        let folded = words.joined()
        self.isLatin = folded.unicodeScalars.allSatisfy { $0.value < 0x250 }
        // Too short to mean one person: "info", "田中" alone are everybody's.
        guard folded.count >= (isLatin ? 5 : 3) else { return nil }
        self.scalars = Array(folded.unicodeScalars)
        self.folded = folded
        self.sortedWords = words.sorted().joined()
    }

    /// The same person's name: equal once folded, the same words in another order, or (Latin
    /// names of 8 letters or more) one edit apart. CJK names must be equal: 山田太郎 and 山田次郎
    /// are different people one character apart.
    func matches(_ other: PersonName) -> Bool {
        if folded == other.folded || sortedWords == other.sortedWords { return true }
        guard isLatin, other.isLatin, scalars.count >= 8 else { return false }
        return EditDistance.withinOne(scalars, other.scalars)
    }

    static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.properties.isWhitespace { return true }
        switch scalar.value {
        case 0x30FB, 0xFF65, 0x00B7: return true  // ・ middle dots
        default: break
        }
        switch scalar.properties.generalCategory {
        case .otherPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .connectorPunctuation, .control, .format:
            return true
        default:
            return false
        }
    }

    /// Katakana (U+30A1...U+30F6) to hiragana, so "ヤマダ" and "やまだ" compare equal.
    static func hiragana(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        guard (0x30A1...0x30F6).contains(scalar.value) else { return scalar }
        return Unicode.Scalar(scalar.value - 0x60) ?? scalar
    }
}
