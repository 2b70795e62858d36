import NIOCore

extension IMAPResponseEncoder {
    /// A number in decimal ASCII (RFC 9051 §9 number / nz-number / mod-sequence-value), written
    /// straight into the buffer: no String made per number. A FETCH 1:* (UID FLAGS) of a
    /// mailbox writes two or three per message (docs/PERFORMANCE.md, issue 24).
    @inline(__always)
    func writeNumber(_ value: some BinaryInteger, into b: inout ByteBuffer) {
        Self.writeDecimal(UInt64(clamping: value), into: &b)
    }

    static func writeDecimal(_ value: UInt64, into b: inout ByteBuffer) {
        if value < 10 {
            b.writeInteger(UInt8(truncatingIfNeeded: value) &+ UInt8(ascii: "0"))
            return
        }
        // UInt64.max has 20 digits.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var rest = value, start = 20
            while rest > 0 {
                start -= 1
                digits[start] = UInt8(truncatingIfNeeded: rest % 10) &+ UInt8(ascii: "0")
                rest /= 10
            }
            b.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(digits)[start...]))
        }
    }
}
