import Testing
@testable import MailMessage

@Suite struct ByteTextTests {
    /// The word-at-a-time ASCII test finds a high byte wherever it is, in arrays and in slices
    /// that do not start at 0, and agrees with the byte loop on non-contiguous collections.
    @Test func isASCIIFindsAHighByteAtEveryOffset() {
        for length in 0..<40 {
            let ascii = (0..<length).map { UInt8(0x20 + $0 % 90) }
            #expect(ByteText.isASCII(ascii))
            #expect(ByteText.isASCII(ascii.lazy.map { $0 }), "a collection without contiguous storage")
            for offset in 0..<length {
                for high: UInt8 in [0x80, 0xC3, 0xFF] {
                    var bytes = ascii
                    bytes[offset] = high
                    #expect(!ByteText.isASCII(bytes), "\(length) \(offset)")
                    #expect(!ByteText.isASCII(bytes.lazy.map { $0 }))
                    let slice = ([0x41, 0x41, 0x41] + bytes)[3...]
                    #expect(!ByteText.isASCII(slice))
                    #expect(ByteText.isASCII(slice[slice.startIndex..<(slice.startIndex + offset)]), "the prefix before it")
                }
            }
        }
    }
}
