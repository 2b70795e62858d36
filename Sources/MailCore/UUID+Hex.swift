// Random names from UUIDs (transaction ids, body file names).
import Foundation

extension UUID {
    /// A random UUID (version 4, RFC 9562 §5.4) from the standard library's system generator:
    /// `getrandom(2)` on Linux. Foundation's `UUID()` there opens, reads and closes /dev/urandom
    /// for each one: three system calls and a file descriptor, and reception made two per message
    /// (its transaction id and the body's name).
    public static func random() -> UUID {
        var generator = SystemRandomNumberGenerator()
        var bytes = (generator.next() as UInt64, generator.next() as UInt64)
        return withUnsafeMutableBytes(of: &bytes) { raw in
            raw[6] = raw[6] & 0x0F | 0x40  // version 4
            raw[8] = raw[8] & 0x3F | 0x80  // variant 10 (RFC 9562 §4.1)
            return UUID(uuid: raw.load(as: uuid_t.self))
        }
    }

    /// A time-ordered UUID (version 7, RFC 9562 §5.7): the Unix time in milliseconds in the first
    /// 48 bits, then 74 random bits. Names made this way sort by creation, so an index on them
    /// grows at its end: inline bodies' names are the key of `message_blobs` and are indexed in
    /// `messages`, and random names put every delivery's two index entries on two random leaf
    /// pages, each written to the log and checkpointed again (issue 24, docs/PERFORMANCE.md).
    public static func timeOrdered(now: Date = Date()) -> UUID {
        var generator = SystemRandomNumberGenerator()
        var bytes = (generator.next() as UInt64, generator.next() as UInt64)
        let milliseconds = UInt64(max(0, (now.timeIntervalSince1970 * 1000).rounded()))
        return withUnsafeMutableBytes(of: &bytes) { raw in
            for index in 0..<6 { raw[index] = UInt8(truncatingIfNeeded: milliseconds >> (40 - 8 * UInt64(index))) }  // big-endian
            raw[6] = raw[6] & 0x0F | 0x70  // version 7
            raw[8] = raw[8] & 0x3F | 0x80  // variant 10 (RFC 9562 §4.1)
            return UUID(uuid: raw.load(as: uuid_t.self))
        }
    }

    /// The 32 hex digits of the UUID in lower case, without hyphens: what
    /// `uuidString.lowercased().replacingOccurrences(of: "-", with: "")` gives, without a
    /// Foundation string search (51 K instructions a call; reception made two per message).
    public var lowercaseHex: String {
        withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 32) { out in
                func digit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 + nibble : 0x57 + nibble }  // 0-9, a-f
                for (index, byte) in bytes.enumerated() {
                    out[2 * index] = digit(byte >> 4)
                    out[2 * index + 1] = digit(byte & 0x0F)
                }
                return 32
            }
        }
    }
}
