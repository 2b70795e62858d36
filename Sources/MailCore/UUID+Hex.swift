// Random names from UUIDs (transaction ids, body file names).
import Foundation

extension UUID {
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
