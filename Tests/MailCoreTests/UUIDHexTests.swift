import Foundation
import Testing
import MailCore

@Suite struct UUIDHexTests {
    /// The names made from `lowercaseHex` are the ones the Foundation string edit made before.
    @Test func lowercaseHexIsTheUUIDStringWithoutHyphensInLowerCase() throws {
        var uuids = (0..<2000).map { _ in UUID() }
        uuids.append(try #require(UUID(uuidString: "00000000-0000-0000-0000-000000000000")))
        uuids.append(try #require(UUID(uuidString: "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF")))
        uuids.append(try #require(UUID(uuidString: "0123456789ABCDEF0123456789ABCDEF".enumerated().reduce(into: "") { s, c in
            if [8, 12, 16, 20].contains(c.offset) { s.append("-") }
            s.append(c.element)
        })))
        for uuid in uuids {
            let expected = uuid.uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            #expect(uuid.lowercaseHex == expected)
            #expect(uuid.lowercaseHex.utf8.count == 32)
        }
    }
}

extension UUIDHexTests {
    /// `UUID.random()` (getrandom instead of Foundation's /dev/urandom per UUID) makes version 4
    /// UUIDs with the RFC 9562 variant, as `UUID()` does, that are distinct and survive a round
    /// trip through their string form.
    @Test func randomUUIDsAreVersion4AndDistinct() throws {
        let uuids = (0..<5000).map { _ in UUID.random() }
        #expect(Set(uuids).count == uuids.count)
        var ones = [Int](repeating: 0, count: 128)
        for uuid in uuids {
            let text = uuid.uuidString
            #expect(Array(text)[14] == "4", "version nibble: \(text)")
            #expect("89AB".contains(Array(text)[19]), "variant 10: \(text)")
            #expect(UUID(uuidString: text) == uuid)
            withUnsafeBytes(of: uuid.uuid) { bytes in
                for bit in 0..<128 where bytes[bit / 8] & (0x80 >> UInt8(bit % 8)) != 0 { ones[bit] += 1 }
            }
        }
        // The 122 random bits are each set in about half the UUIDs (5,000 draws: 2,500 ± 250 is
        // over 7 standard deviations); the 6 fixed ones never or always.
        let fixed: Set<Int> = [48, 49, 50, 51, 64, 65]
        for bit in 0..<128 where !fixed.contains(bit) { #expect((2250...2750).contains(ones[bit]), "bit \(bit): \(ones[bit])") }
        #expect(ones[49] == 5000 && ones[48] == 0 && ones[50] == 0 && ones[51] == 0 && ones[64] == 5000 && ones[65] == 0)
    }
}

extension UUIDHexTests {
    /// `UUID.timeOrdered` (inline bodies' names): version 7 (RFC 9562 §5.7), the Unix time in
    /// milliseconds in the first 48 bits, so names of later bodies sort after earlier ones, and
    /// still distinct within one millisecond.
    @Test func timeOrderedUUIDsAreVersion7AndSortByTime() throws {
        // RFC 9562 Appendix A.6's example: 2022-02-22 19:22:22 UTC is 0x017F22E279B0 ms.
        let example = UUID.timeOrdered(now: Date(timeIntervalSince1970: 1_645_557_742))
        #expect(example.uuidString.hasPrefix("017F22E2-79B0-7"), "\(example)")
        #expect("89AB".contains(Array(example.uuidString)[19]))

        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let names = (0..<3000).map { UUID.timeOrdered(now: start.addingTimeInterval(Double($0 / 3) * 0.001)).lowercaseHex }
        #expect(Set(names).count == names.count, "three in each millisecond, all distinct")
        for index in stride(from: 3, to: names.count, by: 3) {
            #expect(names[index - 1] < names[index], "a later millisecond sorts after: \(names[index - 1]) \(names[index])")
        }
        let now = UUID.timeOrdered()
        let milliseconds = withUnsafeBytes(of: now.uuid) { bytes in bytes[0..<6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        #expect(abs(Double(milliseconds) - Date().timeIntervalSince1970 * 1000) < 60_000)
    }
}
