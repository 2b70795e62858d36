@testable import RiskAssessment
import Testing

/// The one-pass "at most one edit" test that display names use must answer as the bounded
/// distance the lookalike check uses does (optimal string alignment, limit 1).
@Suite struct EditDistanceTests {
    static func scalars(_ text: String) -> [Unicode.Scalar] { Array(text.unicodeScalars) }

    @Test func namedCases() {
        let within = [("kenjiwatanabe", "kenjiwatanabe"), ("kenjiwatanabe", "kenjiwatanabee"), ("kenjiwatanabe", "kenjiwatanab"),
                      ("kenjiwatanabe", "kenjiwatanade"), ("kenjiwatanabe", "kenjiwtaanabe"), ("kenjiwatanabe", "ekenjiwatanabe"),
                      ("ab", "ba"), ("", "a")]
        let beyond = [("kenjiwatanabe", "kenjiwatanabeee"), ("kenjiwatanabe", "kenjiwatanbea"), ("abc", "cba"),
                      ("kenjiwatanabe", "xenjiwatanabx"), ("ab", "")]
        for (a, b) in within { #expect(EditDistance.withinOne(Self.scalars(a), Self.scalars(b)), "\(a) \(b)") }
        for (a, b) in beyond { #expect(!EditDistance.withinOne(Self.scalars(a), Self.scalars(b)), "\(a) \(b)") }
    }

    /// Random words over a small alphabet (so near neighbours are common), and one-edit
    /// variants of them, against `distance(_:_:limit:)`.
    @Test func agreesWithTheBoundedDistance() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [Unicode.Scalar] = ["a", "b", "c", "é", "山"]
        for _ in 0..<20_000 {
            let x = (0..<Int.random(in: 0...7, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            var y = x
            for _ in 0..<Int.random(in: 0...2, using: &generator) {
                switch Int.random(in: 0...3, using: &generator) {
                case 0 where !y.isEmpty: y[Int.random(in: 0..<y.count, using: &generator)] = alphabet.randomElement(using: &generator)!
                case 1: y.insert(alphabet.randomElement(using: &generator)!, at: Int.random(in: 0...y.count, using: &generator))
                case 2 where !y.isEmpty: y.remove(at: Int.random(in: 0..<y.count, using: &generator))
                case 3 where y.count > 1:
                    let i = Int.random(in: 0..<(y.count - 1), using: &generator)
                    y.swapAt(i, i + 1)
                default: break
                }
            }
            let a = String(String.UnicodeScalarView(x)), b = String(String.UnicodeScalarView(y))
            #expect(EditDistance.withinOne(x, y) == (EditDistance.distance(x, y, limit: 1) <= 1), "\(a) \(b)")
        }
    }
}
