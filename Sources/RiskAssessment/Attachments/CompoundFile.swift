// OLE compound files ([MS-CFB]): .doc/.xls/.ppt and .msi. Only the directory is read, to find
// the storages and streams VBA macros live in ([MS-OVBA] §2.2: a "VBA" storage with a
// "_VBA_PROJECT" stream; Excel keeps it under "_VBA_PROJECT_CUR", Word under "Macros").

enum CompoundFile {
    /// [MS-CFB] §2.2: the header signature.
    static let signature: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
    static let endOfChain: UInt32 = 0xFFFF_FFFE

    static func isCompoundFile(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.count >= 512 && bytes.prefix(8).elementsEqual(signature)
    }

    /// The names in the directory (storages and streams), reading at most `maxSectors` sectors
    /// of the FAT and the directory chain; nil when the header is unreadable.
    static func directoryNames(_ bytes: ArraySlice<UInt8>, maxSectors: Int) -> [String]? {
        guard isCompoundFile(bytes) else { return nil }
        let base = bytes.startIndex
        let shift = Int(read16(bytes, base + 30))
        guard shift == 9 || shift == 12 else { return nil }
        let sectorSize = 1 << shift
        func sectorStart(_ sector: UInt32) -> Int? {
            let start = (Int(sector) + 1) * sectorSize
            return start + sectorSize <= bytes.count ? base + start : nil
        }
        // §2.2: the first 109 FAT sector numbers are in the header (DIFAT); larger files chain
        // more DIFAT sectors, which are followed up to the sector budget.
        var fatSectors: [UInt32] = []
        for index in 0..<109 {
            let sector = read32(bytes, base + 76 + index * 4)
            if sector < 0xFFFF_FFFA { fatSectors.append(sector) }
        }
        // A file has at most `count / sectorSize` sectors, so no more FAT sectors can be real; and
        // a DIFAT chain that comes back to a sector it passed is a loop (found by the zip-directory
        // fuzz target: a self-linked DIFAT sector made 65,536 rounds of 1,023 entries each).
        let maxFATSectors = bytes.count / sectorSize
        var difat = read32(bytes, base + 68)
        var budget = maxSectors
        var visitedDIFAT = Set<UInt32>()
        while difat < 0xFFFF_FFFA, budget > 0, fatSectors.count < maxFATSectors, visitedDIFAT.insert(difat).inserted,
              let start = sectorStart(difat) {
            budget -= 1
            for index in 0..<(sectorSize / 4 - 1) where fatSectors.count < maxFATSectors {
                let sector = read32(bytes, start + index * 4)
                if sector < 0xFFFF_FFFA { fatSectors.append(sector) }
            }
            difat = read32(bytes, start + sectorSize - 4)
        }
        func next(_ sector: UInt32) -> UInt32 {
            let perSector = sectorSize / 4
            let index = Int(sector) / perSector
            guard index < fatSectors.count, let start = sectorStart(fatSectors[index]) else { return endOfChain }
            return read32(bytes, start + (Int(sector) % perSector) * 4)
        }
        var names: [String] = []
        var sector = read32(bytes, base + 48)
        var visited = Set<UInt32>()
        while sector < 0xFFFF_FFFA, budget > 0, visited.insert(sector).inserted, let start = sectorStart(sector) {
            budget -= 1
            // §2.6.1: 128-byte entries; the name is UTF-16LE, its length in bytes with the NUL.
            for entry in stride(from: start, to: start + sectorSize, by: 128) {
                let length = Int(read16(bytes, entry + 64))
                guard bytes[entry + 66] != 0, length >= 2, length <= 64 else { continue }
                var units: [UInt16] = []
                for k in stride(from: 0, to: length - 2, by: 2) { units.append(read16(bytes, entry + k)) }
                names.append(String(decoding: units, as: UTF16.self))
            }
            sector = next(sector)
        }
        return names
    }

    /// The VBA storage or stream names found, if any.
    static func macroStorages(_ names: [String]) -> [String] {
        let markers: Set<String> = ["vba", "_vba_project", "_vba_project_cur", "macros", "vbaproject"]
        return names.filter { markers.contains($0.lowercased()) }
    }
}
