import Testing
@testable import Reception

/// The memchr/memcmp line search finds what the slice loop it replaced found (kept here as
/// the reference), and the block extraction works on top of it.
@Suite struct InlineSignedTextTests {
    static func referenceLineStart(of marker: [UInt8], in bytes: [UInt8], from: Int) -> Int? {
        var index = from
        while index + marker.count <= bytes.count {
            if (index == 0 || bytes[index - 1] == 0x0A), bytes[index..<index + marker.count].elementsEqual(marker) { return index }
            guard let newline = bytes[index...].firstIndex(of: 0x0A) else { return nil }
            index = newline + 1
        }
        return nil
    }

    @Test func lineStartAgreesWithTheSliceLoop() {
        let pieces = ["-----BEGIN PGP SIGNED MESSAGE-----", "-----END PGP SIGNATURE-----", "-----BEGIN PGP", "\n", "\r\n", "text ", "-", " "]
            .map { Array($0.utf8) }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5000 {
            var body: [UInt8] = []
            for _ in 0..<Int.random(in: 0...12, using: &generator) { body += pieces.randomElement(using: &generator)! }
            for marker in [InlineSignedText.begin, InlineSignedText.end] {
                for from in [0, 1, Int.random(in: 0...body.count + 2, using: &generator)] {
                    #expect(InlineSignedText.lineStart(of: marker, in: body, from: from)
                            == Self.referenceLineStart(of: marker, in: body, from: from), "\(String(decoding: body, as: UTF8.self).debugDescription) \(from)")
                }
            }
        }
    }

    @Test func blockIsExtractedWithItsLineEndings() {
        let block = "-----BEGIN PGP SIGNED MESSAGE-----\r\nHash: SHA256\r\n\r\nhello\r\n-----BEGIN PGP SIGNATURE-----\r\nxyz\r\n-----END PGP SIGNATURE-----\r\n"
        let whole = InlineSignedText.extract(Array(block.utf8))
        #expect(whole.map { String(decoding: $0.block, as: UTF8.self) } == block && whole?.partial == false)
        let quoted = InlineSignedText.extract(Array(("intro\r\n" + block + "footer\r\n").utf8))
        #expect(quoted.map { String(decoding: $0.block, as: UTF8.self) } == block && quoted?.partial == true)
        #expect(InlineSignedText.extract(Array((" " + block).utf8)) == nil, "the begin line must start a line")
    }
}
