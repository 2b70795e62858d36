// Drip-feeding: a decoder must give the same result whatever the TCP segmentation, so the
// decoder targets feed each input twice, whole and in pieces whose sizes come from the input
// itself (deterministic, so a finding replays).

import Foundation
import NIOCore

enum Drip {
    /// Piece sizes (1...16, a few 1-byte runs) covering `count` bytes, derived from the bytes.
    static func pieces(of bytes: [UInt8]) -> [Range<Int>] {
        var state: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a of the input seeds a xorshift
        for byte in bytes { state = (state ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        if state == 0 { state = 1 }
        var ranges: [Range<Int>] = []
        var start = 0
        while start < bytes.count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            let size = state % 4 == 0 ? 1 : Int((state >> 8) % 16) + 1
            let end = min(start + size, bytes.count)
            ranges.append(start..<end)
            start = end
        }
        return ranges
    }

    /// Feeds `bytes` into a buffer whole (`split` false) or piece by piece, calling `drain`
    /// after each piece; `drain` must consume what it can. Returns the bytes left unconsumed.
    static func feed(_ bytes: [UInt8], split: Bool, drain: (inout ByteBuffer) -> Void) -> Int {
        var buffer = ByteBuffer()
        for range in split ? pieces(of: bytes) : [0..<bytes.count] {
            buffer.writeBytes(bytes[range])
            let before = buffer.readableBytes
            drain(&buffer)
            precondition(buffer.readableBytes <= before, "a decoder added bytes to its input")
            buffer.discardReadBytes()
        }
        return buffer.readableBytes
    }

    /// A bound on decode steps per piece: a decoder that returns frames without consuming
    /// input forever is a hang; finding it as a precondition failure is faster than -timeout.
    static func stepLimit(_ count: Int) -> Int { 4 * count + 64 }
}

extension Array where Element == UInt8 {
    /// Splits at the first `separator`: (before, after); after is empty when absent.
    func splitOnce(_ separator: UInt8) -> (ArraySlice<UInt8>, ArraySlice<UInt8>) {
        guard let index = firstIndex(of: separator) else { return (self[...], []) }
        return (self[..<index], self[(index + 1)...])
    }
}

extension Drip {
    /// Traps when the events of the whole and the drip-fed input differ, naming the first
    /// difference (a finding must say what went wrong, not only that something did).
    static func expectSame<Event: Equatable>(_ whole: [Event], _ dripped: [Event], _ what: String) {
        guard whole != dripped else { return }
        #if !FUZZING
        if ProcessInfo.processInfo.environment["HATO_FUZZ_VERBOSE"] != nil {
            FileHandle.standardError.write(Data("whole:\n\(whole.map { "\($0)" }.joined(separator: "\n"))\ndrip-fed:\n\(dripped.map { "\($0)" }.joined(separator: "\n"))\n".utf8))
        }
        #endif
        let index = (0..<min(whole.count, dripped.count)).first { whole[$0] != dripped[$0] } ?? min(whole.count, dripped.count)
        func show(_ events: [Event]) -> String {
            index < events.count ? String(String(describing: events[index]).prefix(300)) : "(end)"
        }
        preconditionFailure("\(what) depend on how the input was split: event \(index) is \(show(whole)) whole, \(show(dripped)) drip-fed")
    }
}
