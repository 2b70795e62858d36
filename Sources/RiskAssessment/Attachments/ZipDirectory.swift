// ZIP listing without extraction (APPNOTE.TXT 6.3.10): the end of central directory record,
// then the central directory's file headers: names, sizes, compression method and the
// encryption flag (general purpose bit 0, §4.4.4). Nothing is decompressed; a stored (method
// 0) entry's bytes can be handed back so a nested archive is listed in turn.

/// One central directory entry.
public struct ZipEntry: Sendable, Equatable {
    public var name: String
    public var encrypted: Bool
    /// 0 stored, 8 deflated (APPNOTE §4.4.5).
    public var method: UInt16
    public var compressedSize: UInt64
    public var uncompressedSize: UInt64
    /// Offset of the local file header.
    public var localHeaderOffset: UInt64

    public var isDirectory: Bool { name.hasSuffix("/") }
}

public enum ZipDirectory {
    /// APPNOTE §4.3.16: the end of central directory record is at least 22 bytes and its comment
    /// at most 65,535, so it starts within the last 65,557 bytes.
    static let eocdSignature: UInt32 = 0x0605_4B50
    static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    static let zip64EndSignature: UInt32 = 0x0606_4B50
    static let centralSignature: UInt32 = 0x0201_4B50
    static let localSignature: UInt32 = 0x0403_4B50

    /// Whether the bytes start like a ZIP file (a local header, or an empty archive's EOCD).
    public static func looksLikeZip(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count >= 4 else { return false }
        let signature = read32(bytes, bytes.startIndex)
        return signature == localSignature || signature == eocdSignature
    }

    /// The entries of the central directory, at most `maxEntries`; nil when there is no
    /// readable directory. `truncated` is set when more entries were declared than listed.
    public static func list(_ bytes: ArraySlice<UInt8>, maxEntries: Int) -> (entries: [ZipEntry], truncated: Bool)? {
        let base = bytes.startIndex
        let count = bytes.count
        guard count >= 22 else { return nil }
        var eocd: Int? = nil
        var position = count - 22
        let lowest = max(0, count - 65_557)
        while position >= lowest {
            if read32(bytes, base + position) == eocdSignature { eocd = position; break }
            position -= 1
        }
        guard let eocd else { return nil }
        var declared = UInt64(read16(bytes, base + eocd + 10))
        var directorySize = UInt64(read32(bytes, base + eocd + 12))
        var directoryOffset = UInt64(read32(bytes, base + eocd + 16))
        // APPNOTE §4.3.14-15: ZIP64 keeps the real values in its own end record.
        if eocd >= 20, read32(bytes, base + eocd - 20) == zip64LocatorSignature {
            let recordOffset = read64(bytes, base + eocd - 12)
            if count >= 56, recordOffset <= UInt64(count - 56), read32(bytes, base + Int(recordOffset)) == zip64EndSignature {
                let record = base + Int(recordOffset)
                declared = read64(bytes, record + 32)
                directorySize = read64(bytes, record + 40)
                directoryOffset = read64(bytes, record + 48)
            }
        }
        guard directoryOffset <= UInt64(count), directorySize <= UInt64(count) - directoryOffset else { return nil }
        var entries: [ZipEntry] = []
        var cursor = Int(directoryOffset)
        let end = Int(directoryOffset + directorySize)
        while cursor + 46 <= end, entries.count < maxEntries, read32(bytes, base + cursor) == centralSignature {
            let at = base + cursor
            let flags = read16(bytes, at + 8)
            let method = read16(bytes, at + 10)
            var compressed = UInt64(read32(bytes, at + 20))
            var uncompressed = UInt64(read32(bytes, at + 24))
            let nameLength = Int(read16(bytes, at + 28))
            let extraLength = Int(read16(bytes, at + 30))
            let commentLength = Int(read16(bytes, at + 32))
            var localOffset = UInt64(read32(bytes, at + 42))
            guard cursor + 46 + nameLength + extraLength + commentLength <= end else { break }
            let nameBytes = bytes[(at + 46)..<(at + 46 + nameLength)]
            // APPNOTE §4.4.4 bit 11: UTF-8 names; otherwise CP437, read here as UTF-8 where valid.
            let name = String(decoding: nameBytes, as: UTF8.self)
            let extra = bytes[(at + 46 + nameLength)..<(at + 46 + nameLength + extraLength)]
            applyZip64(extra, compressed: &compressed, uncompressed: &uncompressed, offset: &localOffset)
            entries.append(ZipEntry(name: name, encrypted: flags & 1 != 0, method: method, compressedSize: compressed,
                                    uncompressedSize: uncompressed, localHeaderOffset: localOffset))
            cursor += 46 + nameLength + extraLength + commentLength
        }
        return (entries, UInt64(entries.count) < declared)
    }

    /// The raw data of a stored (uncompressed, unencrypted) entry, nil otherwise.
    public static func storedData(of entry: ZipEntry, in bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        entry.method == 0 ? entryData(of: entry, in: bytes) : nil
    }

    /// The entry's data as stored in the archive (still compressed for method 8), nil when
    /// encrypted or outside the archive. Callers inflate it with their own output bound.
    public static func entryData(of entry: ZipEntry, in bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        guard !entry.encrypted, bytes.count >= 30, entry.localHeaderOffset <= UInt64(bytes.count - 30) else { return nil }
        let at = bytes.startIndex + Int(entry.localHeaderOffset)
        guard read32(bytes, at) == localSignature else { return nil }
        let start = UInt64(entry.localHeaderOffset) + 30 + UInt64(read16(bytes, at + 26)) + UInt64(read16(bytes, at + 28))
        guard start <= UInt64(bytes.count), entry.compressedSize <= UInt64(bytes.count) - start else { return nil }
        let from = bytes.startIndex + Int(start)
        return bytes[from..<(from + Int(entry.compressedSize))]
    }

    /// APPNOTE §4.5.3: the ZIP64 extra field (id 1) holds the 64-bit values whose 32-bit fields are 0xFFFFFFFF.
    static func applyZip64(_ extra: ArraySlice<UInt8>, compressed: inout UInt64, uncompressed: inout UInt64, offset: inout UInt64) {
        var cursor = extra.startIndex
        while cursor + 4 <= extra.endIndex {
            let id = read16(extra, cursor)
            let size = Int(read16(extra, cursor + 2))
            let data = cursor + 4
            guard data + size <= extra.endIndex else { return }
            if id == 1 {
                var field = data
                if uncompressed == 0xFFFF_FFFF, field + 8 <= data + size { uncompressed = read64(extra, field); field += 8 }
                if compressed == 0xFFFF_FFFF, field + 8 <= data + size { compressed = read64(extra, field); field += 8 }
                if offset == 0xFFFF_FFFF, field + 8 <= data + size { offset = read64(extra, field) }
                return
            }
            cursor = data + size
        }
    }
}

/// Little-endian reads that return 0 past the end (callers check bounds for meaning).
func read16(_ bytes: ArraySlice<UInt8>, _ at: Int) -> UInt16 {
    guard at >= bytes.startIndex, at + 2 <= bytes.endIndex else { return 0 }
    return UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
}

func read32(_ bytes: ArraySlice<UInt8>, _ at: Int) -> UInt32 {
    guard at >= bytes.startIndex, at + 4 <= bytes.endIndex else { return 0 }
    return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
}

func read64(_ bytes: ArraySlice<UInt8>, _ at: Int) -> UInt64 {
    UInt64(read32(bytes, at)) | UInt64(read32(bytes, at + 4)) << 32
}
