@testable import RiskAssessment
import Testing

/// The index of known names must find exactly what comparing the display name with each known
/// name in turn finds (`PersonName.matches`), in list order.
@Suite struct KnownNamesTests {
    static let words = ["taro", "yamada", "hanako", "suzuki", "tarou", "yamda", "mr", "山田", "太郎", "ヤマダ", "kenji", "watanabe"]

    static func randomName(_ generator: inout SystemRandomNumberGenerator) -> String {
        var name = (0..<Int.random(in: 1...3, using: &generator)).map { _ in words.randomElement(using: &generator)! }
            .joined(separator: Bool.random(using: &generator) ? " " : "・")
        if Bool.random(using: &generator), !name.isEmpty {  // one letter changed, as typos and lookalikes do
            var scalars = Array(name.unicodeScalars)
            scalars[Int.random(in: 0..<scalars.count, using: &generator)] = "x"
            name = String(String.UnicodeScalarView(scalars))
        }
        return Bool.random(using: &generator) ? name.uppercased() : name
    }

    @Test func findsWhatTheListReadInOrderFinds() {
        var generator = SystemRandomNumberGenerator()
        let memo = PersonNameMemo()
        for _ in 0..<200 {
            let known: [String?] = (0..<40).map { _ in Int.random(in: 0..<10, using: &generator) == 0 ? nil : Self.randomName(&generator) }
            let index = KnownNames(known, memo: memo)
            for _ in 0..<20 {
                guard let name = PersonName(Self.randomName(&generator)) else { continue }
                let inOrder = known.indices.filter { known[$0].flatMap(PersonName.init).map(name.matches) == true }
                #expect(index.matches(name) == inOrder, "\(name.folded) in \(known)")
            }
        }
    }

    @Test func wordOrderAndOneEdit() throws {
        let index = KnownNames(["Taro Yamada", nil, "Kenji Watanabe", "山田 太郎", "Info"], memo: PersonNameMemo())
        #expect(index.matches(try #require(PersonName("YAMADA Taro"))) == [0])
        #expect(index.matches(try #require(PersonName("Kenji Watanabee"))) == [2])
        #expect(index.matches(try #require(PersonName("ヤマダ タロウ"))) == [])
        #expect(index.matches(try #require(PersonName("山田太郎様"))) == [3])
    }
}
