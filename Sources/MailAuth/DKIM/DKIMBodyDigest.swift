// The body hash of RFC 6376 §3.7 computed in one pass over the received bytes: the canonical
// body (§3.4.3 simple, §3.4.4 relaxed) is never built. Runs of bytes the canonicalization keeps
// as they are go to the hash straight from the message; only what it changes (a WSP run that
// becomes one SP, the CRLF of a last line without one, empty lines followed by content) is
// written from constants. DKIMCanonicalizer.body stays the reference (DKIMBodyDigestTests
// compares the two on edge cases and random inputs).

import Crypto

struct DKIMBodyDigest<H: HashFunction> {
    private var hasher = H()
    /// Bytes of the canonical body so far, whether or not they were hashed (l= cuts the hash only).
    private(set) var canonicalLength = 0
    private let limit: Int
    /// A run of kept source bytes not yet given to the hasher (coalesces lines into one update).
    private var spanStart: UnsafePointer<UInt8>?
    private var spanEnd: UnsafePointer<UInt8>?


    init(limit: Int?) { self.limit = limit ?? Int.max }

    /// Hash and canonical length of `body` (CRLF line ends, as DKIMMessage leaves them).
    static func digest(_ body: ArraySlice<UInt8>, _ algorithm: DKIMCanonicalization,
                       limit: Int?) -> (digest: H.Digest, canonicalLength: Int) {
        var state = DKIMBodyDigest(limit: limit)
        body.withUnsafeBufferPointer { buffer in
            switch algorithm {
            case .simple: state.simple(buffer)
            case .relaxed: state.relaxed(buffer)
            }
            state.flushSpan()
        }
        return (state.hasher.finalize(), state.canonicalLength)
    }

    // MARK: output

    private mutating func hash(_ bytes: UnsafeRawBufferPointer) {
        let room = limit - canonicalLength
        if room > 0 {
            hasher.update(bufferPointer: bytes.count <= room ? bytes : UnsafeRawBufferPointer(rebasing: bytes[0..<room]))
        }
        canonicalLength += bytes.count
    }

    private mutating func flushSpan() {
        guard let start = spanStart, let end = spanEnd, end > start else { spanStart = nil; return }
        hash(UnsafeRawBufferPointer(start: start, count: end - start))
        spanStart = nil
    }

    /// Source bytes kept verbatim; contiguous calls become one hasher update.
    private mutating func keep(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) {
        guard end > start else { return }
        if spanStart != nil, spanEnd == start {
            spanEnd = end
            return
        }
        flushSpan()
        spanStart = start
        spanEnd = end
    }

    private mutating func emit(_ constant: [UInt8]) {
        flushSpan()
        constant.withUnsafeBytes { hash($0) }
    }

    // MARK: §3.4.3 simple

    /// Trailing CRLFs go, then exactly one CRLF ends the body (an empty body becomes CRLF).
    private mutating func simple(_ body: UnsafeBufferPointer<UInt8>) {
        var count = body.count
        if let base = body.baseAddress {
            while count >= 2, base[count - 2] == 0x0D, base[count - 1] == 0x0A { count -= 2 }
            // The CRLF that follows is the source's own when there was one.
            if count + 2 <= body.count {
                keep(base, base + count + 2)
                return
            }
            keep(base, base + count)
        }
        emit(dkimCRLF)
    }

    // MARK: §3.4.4 relaxed

    private static func isWSP(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    private mutating func relaxed(_ body: UnsafeBufferPointer<UInt8>) {
        guard let base = body.baseAddress else { return }
        let end = base + body.count
        // Empty (or WSP-only) lines seen since the last line with content: written only if
        // content follows, since empty lines at the end of the body are dropped.
        var pendingEmpty = 0
        var lineStart = base
        while lineStart < end {
            // The line ends at the next CRLF; a bare CR or LF is content.
            var lineEnd = lineStart
            var hasCRLF = false
            while lineEnd < end {
                let remaining = end - lineEnd
                guard let lf = memchrPointer(lineEnd, 0x0A, remaining) else { lineEnd = end; break }
                if lf > lineStart, lf[-1] == 0x0D {
                    lineEnd = lf - 1
                    hasCRLF = true
                    break
                }
                lineEnd = lf + 1
            }
            var contentEnd = lineEnd
            while contentEnd > lineStart, Self.isWSP(contentEnd[-1]) { contentEnd -= 1 }
            if contentEnd == lineStart {
                if hasCRLF { pendingEmpty += 1 }
            } else {
                for _ in 0..<pendingEmpty { emit(dkimCRLF) }
                pendingEmpty = 0
                keepCompacted(lineStart, contentEnd)
                if hasCRLF, contentEnd == lineEnd {
                    keep(lineEnd, lineEnd + 2) // the source's own CRLF, contiguous with the line
                } else {
                    emit(dkimCRLF) // WSP before it dropped, or a last line without CRLF (§3.4.4)
                }
            }
            lineStart = hasCRLF ? lineEnd + 2 : end
        }
    }

    /// A line's content (no trailing WSP): every WSP run becomes one SP. A single SP between
    /// two non-WSP bytes is kept as it is, so ordinary text is one verbatim run.
    private mutating func keepCompacted(_ start: UnsafePointer<UInt8>, _ end: UnsafePointer<UInt8>) {
        var runStart = start
        var cursor = start
        while cursor < end {
            let byte = cursor.pointee
            guard Self.isWSP(byte) else { cursor += 1; continue }
            // contentEnd is not WSP, so cursor + 1 < end here.
            if byte == 0x20, !Self.isWSP(cursor[1]) { cursor += 2; continue }
            keep(runStart, cursor)
            emit(dkimSpace)
            while cursor < end, Self.isWSP(cursor.pointee) { cursor += 1 }
            runStart = cursor
        }
        keep(runStart, end)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

private let dkimCRLF: [UInt8] = [0x0D, 0x0A]
private let dkimSpace: [UInt8] = [0x20]

private func memchrPointer(_ start: UnsafePointer<UInt8>, _ byte: UInt8, _ count: Int) -> UnsafePointer<UInt8>? {
    guard let found = memchr(start, Int32(byte), count) else { return nil }
    return UnsafePointer(found.assumingMemoryBound(to: UInt8.self))
}
