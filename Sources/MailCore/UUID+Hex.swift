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
