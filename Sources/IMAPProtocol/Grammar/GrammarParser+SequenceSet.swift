extension GrammarParser {
    /// sequence-set     = (seq-number / seq-range) ["," sequence-set]
    /// sequence-set     =/ seq-last-command
    /// seq-last-command = "$"
    /// seq-range        = seq-number ":" seq-number
    mutating func sequenceSet() throws -> IMAPSequenceSet {
        if skip(UInt8(ascii: "$")) { return .lastCommand }
        var ranges: [IMAPSequenceRange] = []
        repeat {
            guard ranges.count < limits.maxSequenceSetElements else {
                throw GrammarError("sequence set too long", kind: .limitExceeded)
            }
            let first = try seqNumber()
            if skip(UInt8(ascii: ":")) {
                ranges.append(IMAPSequenceRange(first, try seqNumber()))
            } else {
                ranges.append(IMAPSequenceRange(first, first))
            }
        } while skip(UInt8(ascii: ","))
        return .ranges(ranges)
    }

    /// seq-number = nz-number / "*"
    mutating func seqNumber() throws -> IMAPSequenceNumber {
        if skip(UInt8(ascii: "*")) { return .last }
        return .number(try nzNumber())
    }

    /// True when the next octet can start a sequence set (for search-key dispatch).
    var atSequenceSet: Bool {
        guard let b = peek() else { return false }
        return b == UInt8(ascii: "*") || b == UInt8(ascii: "$") || (b >= UInt8(ascii: "1") && b <= UInt8(ascii: "9"))
    }
}
