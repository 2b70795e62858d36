/// The MD5 compression function with a resumable chaining state (RFC 1321).
///
/// swift-crypto's `Insecure.MD5` cannot start from a saved state, and CRAM-MD5 verification
/// without the password needs exactly that: HMAC-MD5 (RFC 2104 §4) precomputes the state after
/// absorbing `K XOR ipad` and `K XOR opad` (one 64-byte block each), and every later response is
/// checked by resuming from those two states. This type exists for that purpose only; use
/// swift-crypto for any other hashing.
struct MD5State: Equatable, Sendable {
    /// The chaining variables A, B, C, D (RFC 1321 §3.3).
    var words: (UInt32, UInt32, UInt32, UInt32)
    /// Bytes already absorbed (whole blocks only); counted into the final length (§3.2).
    var absorbedByteCount: UInt64

    static let blockSize = 64

    /// RFC 1321 §3.3: the initial buffer.
    static let initial = MD5State(
        words: (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476), absorbedByteCount: 0
    )

    init(words: (UInt32, UInt32, UInt32, UInt32), absorbedByteCount: UInt64) {
        self.words = words
        self.absorbedByteCount = absorbedByteCount
    }

    static func == (lhs: MD5State, rhs: MD5State) -> Bool {
        lhs.words == rhs.words && lhs.absorbedByteCount == rhs.absorbedByteCount
    }

    /// The digest of `message`, starting from this state (which must be on a block boundary).
    func finalize(_ message: [UInt8]) -> [UInt8] {
        var state = self
        // RFC 1321 §3.1 and §3.2: append 0x80, zeros to 56 mod 64, then the bit length (LE).
        let bitLength = (absorbedByteCount &+ UInt64(message.count)) &* 8
        var padded = message
        padded.append(0x80)
        while padded.count % Self.blockSize != 56 { padded.append(0) }
        for shift in stride(from: 0, to: 64, by: 8) { padded.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        var offset = 0
        while offset < padded.count {
            state.absorb(block: padded[offset..<offset + Self.blockSize])
            offset += Self.blockSize
        }
        return [state.words.0, state.words.1, state.words.2, state.words.3].flatMap { word in
            (0..<4).map { UInt8(truncatingIfNeeded: word >> UInt32($0 * 8)) }
        }
    }

    /// RFC 1321 §3.4: process one 16-word block.
    mutating func absorb(block: ArraySlice<UInt8>) {
        precondition(block.count == Self.blockSize)
        var x = [UInt32](repeating: 0, count: 16)
        for index in 0..<16 {
            let base = block.startIndex + index * 4
            x[index] = UInt32(block[base]) | UInt32(block[base + 1]) << 8
                | UInt32(block[base + 2]) << 16 | UInt32(block[base + 3]) << 24
        }
        var (a, b, c, d) = words
        for round in 0..<64 {
            var f: UInt32
            var g: Int
            switch round {
            case 0..<16: f = (b & c) | (~b & d); g = round
            case 16..<32: f = (d & b) | (~d & c); g = (5 &* round &+ 1) % 16
            case 32..<48: f = b ^ c ^ d; g = (3 &* round &+ 5) % 16
            default: f = c ^ (b | ~d); g = (7 &* round) % 16
            }
            f = f &+ a &+ Self.sine[round] &+ x[g]
            a = d
            d = c
            c = b
            b = b &+ ((f << Self.shifts[round]) | (f >> (32 - Self.shifts[round])))
        }
        words = (words.0 &+ a, words.1 &+ b, words.2 &+ c, words.3 &+ d)
        absorbedByteCount &+= UInt64(Self.blockSize)
    }

    /// RFC 1321 §3.4: the per-step left-rotation amounts.
    private static let shifts: [UInt32] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
        5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ]

    /// RFC 1321 §3.4: T[i] = floor(4294967296 * abs(sin(i))), listed as in the RFC.
    private static let sine: [UInt32] = [
        0xD76A_A478, 0xE8C7_B756, 0x2420_70DB, 0xC1BD_CEEE, 0xF57C_0FAF, 0x4787_C62A, 0xA830_4613, 0xFD46_9501,
        0x6980_98D8, 0x8B44_F7AF, 0xFFFF_5BB1, 0x895C_D7BE, 0x6B90_1122, 0xFD98_7193, 0xA679_438E, 0x49B4_0821,
        0xF61E_2562, 0xC040_B340, 0x265E_5A51, 0xE9B6_C7AA, 0xD62F_105D, 0x0244_1453, 0xD8A1_E681, 0xE7D3_FBC8,
        0x21E1_CDE6, 0xC337_07D6, 0xF4D5_0D87, 0x455A_14ED, 0xA9E3_E905, 0xFCEF_A3F8, 0x676F_02D9, 0x8D2A_4C8A,
        0xFFFA_3942, 0x8771_F681, 0x6D9D_6122, 0xFDE5_380C, 0xA4BE_EA44, 0x4BDE_CFA9, 0xF6BB_4B60, 0xBEBF_BC70,
        0x289B_7EC6, 0xEAA1_27FA, 0xD4EF_3085, 0x0488_1D05, 0xD9D4_D039, 0xE6DB_99E5, 0x1FA2_7CF8, 0xC4AC_5665,
        0xF429_2244, 0x432A_FF97, 0xAB94_23A7, 0xFC93_A039, 0x655B_59C3, 0x8F0C_CC92, 0xFFEF_F47D, 0x8584_5DD1,
        0x6FA8_7E4F, 0xFE2C_E6E0, 0xA301_4314, 0x4E08_11A1, 0xF753_7E82, 0xBD3A_F235, 0x2AD7_D2BB, 0xEB86_D391,
    ]
}
