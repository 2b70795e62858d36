import NIOCore

extension IMAPResponseEncoder {
    /// Octets one short FETCH response may take on the stack; a longer one is written item by item.
    static let shortFetchCapacity = 256

    /// A FETCH response of only UID, FLAGS, RFC822.SIZE and MODSEQ items (FETCH 1:* (UID FLAGS),
    /// STORE's and the change feed's untagged FETCH) is assembled on the stack and written to
    /// `b` in one piece: item by item, every byte, number and flag was a `ByteBuffer` write with
    /// its own capacity and uniqueness checks, about 3,000 instructions per message
    /// (docs/PERFORMANCE.md, 2026-12-06 afternoon). Writes exactly what `writeFetchItem` writes
    /// for them (RFC 9051 §7.5.2, RFC 7162 §3.1.4); false, with nothing written, for any other
    /// item or a response longer than `shortFetchCapacity`.
    ///
    /// `framed`: the whole response line, `* ` before and CRLF after, as `encode` writes it.
    func writeShortFetch(_ number: UInt32, _ items: [IMAPFetchItem], framed: Bool = false, into b: inout ByteBuffer) -> Bool {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.shortFetchCapacity) { storage in
            var out = ShortWriter(storage: storage)
            if framed { out.ascii("* ") }
            out.decimal(UInt64(max(number, 1)))
            out.ascii(" FETCH (")
            for (i, item) in items.enumerated() {
                if i > 0 { out.byte(UInt8(ascii: " ")) }
                switch item {
                case .uid(let uid): out.ascii("UID "); out.decimal(UInt64(max(uid, 1)))
                case .rfc822Size(let size): out.ascii("RFC822.SIZE "); out.decimal(size)
                case .modSeq(let modSeq): out.ascii("MODSEQ ("); out.decimal(modSeq); out.byte(UInt8(ascii: ")"))
                case .flags(let flags):
                    out.ascii("FLAGS (")
                    var first = true
                    for flag in flags where out.flag(flag, separated: !first) { first = false }
                    out.byte(UInt8(ascii: ")"))
                default: return false
                }
            }
            out.byte(UInt8(ascii: ")"))
            if framed { out.ascii("\r\n") }
            guard !out.overflow else { return false }
            b.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(storage)[..<out.count]))
            return true
        }
    }
}

extension IMAPResponseEncoder {
    /// `* n FETCH (...)` with its CRLF, exactly as `encode(.data(.fetch(number, items)))` writes
    /// it; for UID, FLAGS, RFC822.SIZE and MODSEQ in one write to `b` (FETCH 1:* answered from a
    /// session's view writes a few hundred of these per command).
    public func encodeFetch(_ number: UInt32, _ items: [IMAPFetchItem], into b: inout ByteBuffer) {
        if writeShortFetch(number, items, framed: true, into: &b) { return }
        encode(.data(.fetch(number, items)), into: &b)
    }
}

/// An item of a FETCH answered from a session's view of the mailbox (UID, FLAGS, MODSEQ).
public enum IMAPViewFetchItem: Sendable, Equatable {
    case uid, modSeq, flags
}

extension IMAPResponseEncoder {
    /// `* n FETCH (...)` with its CRLF for the items of `layout` in its order, the same octets
    /// `encodeFetch` writes for `.uid(uid)`, `.modSeq(modSeq)` and `.flags(flags)` in that order,
    /// without an items array per message (FETCH 1:* from the view: one call per message).
    public func encodeViewFetch(_ number: UInt32, _ layout: [IMAPViewFetchItem], uid: UInt32, modSeq: UInt64, flags: [String],
                                into b: inout ByteBuffer) {
        let written = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.shortFetchCapacity) { storage -> Bool in
            var out = ShortWriter(storage: storage)
            out.ascii("* ")
            out.decimal(UInt64(max(number, 1)))
            out.ascii(" FETCH (")
            for (i, item) in layout.enumerated() {
                if i > 0 { out.byte(UInt8(ascii: " ")) }
                switch item {
                case .uid: out.ascii("UID "); out.decimal(UInt64(max(uid, 1)))
                case .modSeq: out.ascii("MODSEQ ("); out.decimal(modSeq); out.byte(UInt8(ascii: ")"))
                case .flags:
                    out.ascii("FLAGS (")
                    var first = true
                    for flag in flags where out.flag(flag, separated: !first) { first = false }
                    out.byte(UInt8(ascii: ")"))
                }
            }
            out.ascii(")\r\n")
            guard !out.overflow else { return false }
            b.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(storage)[..<out.count]))
            return true
        }
        if written { return }
        let items: [IMAPFetchItem] = layout.map { item in
            switch item {
            case .uid: .uid(uid)
            case .modSeq: .modSeq(modSeq)
            case .flags: .flags(flags)
            }
        }
        encode(.data(.fetch(number, items)), into: &b)
    }
}

/// Bytes into a fixed stack buffer; `overflow` once one did not fit (the rest are dropped).
private struct ShortWriter {
    let storage: UnsafeMutableBufferPointer<UInt8>
    var count = 0
    var overflow = false

    init(storage: UnsafeMutableBufferPointer<UInt8>) { self.storage = storage }

    mutating func byte(_ value: UInt8) {
        guard count < storage.count else { overflow = true; return }
        storage[count] = value
        count += 1
    }

    mutating func ascii(_ text: StaticString) {
        let bytes = UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
        guard count + bytes.count <= storage.count else { overflow = true; return }
        for byte in bytes { storage[count] = byte; count += 1 }
    }

    mutating func decimal(_ value: UInt64) {
        var digits = 1, rest = value
        while rest >= 10 { rest /= 10; digits += 1 }
        guard count + digits <= storage.count else { overflow = true; return }
        rest = value
        for i in stride(from: count + digits - 1, through: count, by: -1) {
            storage[i] = UInt8(truncatingIfNeeded: rest % 10) &+ UInt8(ascii: "0")
            rest /= 10
        }
        count += digits
    }

    /// flag = "\" atom / atom, or "\*" (`IMAPResponseEncoder.isFlag`): written after a space when
    /// `separated`; anything else is skipped (false), as `writeFlagList` skips it.
    mutating func flag(_ flag: String, separated: Bool) -> Bool {
        let start = count
        if separated { byte(UInt8(ascii: " ")) }
        var valid = true, index = 0, backslash = false
        var flag = flag
        flag.withUTF8 { bytes in
            for byte in bytes {
                if index == 0 && byte == UInt8(ascii: "\\") {
                    backslash = true
                } else if !(GrammarParser.isAtomChar(byte) || (backslash && index == 1 && byte == UInt8(ascii: "*") && bytes.count == 2)) {
                    valid = false
                    break
                }
                self.byte(byte)
                index += 1
            }
        }
        if !valid || index == (backslash ? 1 : 0) { count = start; return false }
        return true
    }
}
