// Inflate with a hard bound on the output: a DMARC report attachment is a few KB of gzip (RFC 9990
// §4.4) or a ZIP entry (raw DEFLATE, APPNOTE §4.4.5 method 8) from anyone on the Internet, and
// DEFLATE expands up to 1032:1, so the bound is checked while inflating, never after. zlib writes
// at most `avail_out` octets per call (zlib.h, inflate()), and `avail_out` is never more than what
// is left under the bound plus one, so no call can overrun it; that one extra octet says "too large".

import CZlib

/// What the compressed octets are wrapped in (zlib.h, inflateInit2 windowBits).
public enum ZlibFormat: Sendable, Equatable {
    /// RFC 1952: the gzip member header and CRC-32 trailer. Concatenated members are one stream (§2.2).
    case gzip
    /// RFC 1951 DEFLATE with no header: a ZIP entry's data.
    case rawDeflate
    /// RFC 1950: the zlib header and Adler-32 trailer.
    case zlib

    var windowBits: Int32 {
        switch self {
        case .gzip: 15 + 16
        case .rawDeflate: -15
        case .zlib: 15
        }
    }
}

public enum InflateError: Error, Equatable, Sendable {
    /// The output would be larger than the caller's bound.
    case outputLimitExceeded(limit: Int)
    /// The input ended before the end of the compressed stream (a cut download, a short ZIP entry).
    case truncated
    /// The compressed data is invalid; zlib's own message.
    case corrupt(String)
    /// Octets after the end of the stream that are not another gzip member.
    case trailingData
    /// zlib could not allocate its state.
    case outOfMemory
}

public enum BoundedInflate {
    /// Octets inflated per zlib call.
    static let chunkSize = 64 * 1024

    /// Inflates `input` completely; throws as soon as the output would pass `maxOutput` octets.
    public static func inflate(_ input: [UInt8], format: ZlibFormat, maxOutput: Int) throws(InflateError) -> [UInt8] {
        precondition(maxOutput >= 0, "maxOutput is a size")
        guard input.count <= Int(UInt32.max) else { throw .outputLimitExceeded(limit: maxOutput) }
        var stream = z_stream()
        let initialized = hato_inflate_init(&stream, format.windowBits)
        guard initialized == Z_OK else { throw initialized == Z_MEM_ERROR ? .outOfMemory : .corrupt("inflateInit2 returned \(initialized)") }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: chunkSize)
        let result: Result<Void, InflateError> = input.withUnsafeBufferPointer { inputBuffer in
            // zlib's next_in is not const in its declaration, but inflate only reads it.
            stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
            stream.avail_in = UInt32(inputBuffer.count)
            return scratch.withUnsafeMutableBufferPointer { scratchBuffer in
                while true {
                    let room = min(chunkSize, maxOutput + 1 - output.count)
                    stream.next_out = scratchBuffer.baseAddress
                    stream.avail_out = UInt32(room)
                    let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    let produced = room - Int(stream.avail_out)
                    output.append(contentsOf: scratchBuffer[0..<produced])
                    if output.count > maxOutput { return .failure(.outputLimitExceeded(limit: maxOutput)) }
                    switch status {
                    case Z_STREAM_END:
                        guard stream.avail_in > 0 else { return .success(()) }
                        // RFC 1952 §2.2: a gzip file is a series of members; anything else after the end is refused.
                        let next = stream.next_in!
                        guard format == .gzip, stream.avail_in >= 2, next[0] == 0x1F, next[1] == 0x8B else { return .failure(.trailingData) }
                        guard inflateReset(&stream) == Z_OK else { return .failure(.corrupt("inflateReset failed")) }
                    case Z_OK:
                        if produced == 0, stream.avail_in == 0 { return .failure(.truncated) }
                    case Z_BUF_ERROR:
                        // No progress was possible: with input left and room left that cannot happen, so the input ended.
                        return .failure(.truncated)
                    case Z_MEM_ERROR:
                        return .failure(.outOfMemory)
                    default:
                        let message = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                        return .failure(.corrupt(message))
                    }
                }
            }
        }
        try result.get()
        return output
    }
}

public enum BoundedDeflate {
    /// Compresses `input` whole (level 6, zlib's default). Used for the reports Hato sends.
    public static func deflate(_ input: [UInt8], format: ZlibFormat, level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        // Only Z_MEM_ERROR can fail here with constant, valid parameters: there is no mail without memory.
        let initialized = hato_deflate_init(&stream, level, format.windowBits)
        precondition(initialized == Z_OK, "deflateInit2 returned \(initialized)")
        defer { deflateEnd(&stream) }
        var output: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: BoundedInflate.chunkSize)
        input.withUnsafeBufferPointer { inputBuffer in
            stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
            stream.avail_in = UInt32(inputBuffer.count)
            scratch.withUnsafeMutableBufferPointer { scratchBuffer in
                var status = Z_OK
                while status != Z_STREAM_END {
                    stream.next_out = scratchBuffer.baseAddress
                    stream.avail_out = UInt32(scratchBuffer.count)
                    status = CZlib.deflate(&stream, Z_FINISH)
                    precondition(status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR, "deflate returned \(status)")
                    output.append(contentsOf: scratchBuffer[0..<(scratchBuffer.count - Int(stream.avail_out))])
                }
            }
        }
        return output
    }
}
