// Byte ranges into the original message, as stored offsets.

/// A range of bytes in the original message: `offset` from the first byte, `length` bytes long.
public struct ByteRange: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public var offset: Int
    public var length: Int

    public init(offset: Int, length: Int) {
        self.offset = offset
        self.length = length
    }

    public init(_ range: Range<Int>) {
        self.offset = range.lowerBound
        self.length = range.count
    }

    public var range: Range<Int> { offset..<(offset + length) }
    public var end: Int { offset + length }
    public var description: String { "\(offset)+\(length)" }
}
