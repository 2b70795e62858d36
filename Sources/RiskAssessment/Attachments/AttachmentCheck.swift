// Attachments by name and by content (issue 18): executable and script types, double
// extensions, bidi overrides in names, Office macros (OOXML vbaProject.bin, OLE VBA storages),
// and ZIP archives listed without extraction (executables inside, encrypted entries, bombs).

import Foundation

struct AttachmentCheck {
    let policy: RiskPolicy
    private var executables: Set<String>

    /// Macro-enabled Office formats by name (ECMA-376 content types with macroEnabled).
    static let macroExtensions: Set<String> = ["docm", "dotm", "xlsm", "xltm", "xlam", "xlsb", "pptm", "potm", "ppsm", "ppam", "sldm"]
    static let archiveExtensions: Set<String> = ["zip", "jar", "docx", "xlsx", "pptx", "docm", "xlsm", "pptm", "7z", "rar", "iso", "img", "gz", "tgz", "cab", "lzh"]

    /// `executables`: `Self.executables(policy)`, which the assessor works out once per policy.
    init(policy: RiskPolicy, executables: Set<String>) {
        self.policy = policy
        self.executables = executables
    }

    static func executables(_ policy: RiskPolicy) -> Set<String> {
        Set(policy.executableExtensions.map { $0.lowercased() })
    }

    /// One attachment: its names (Content-Disposition filename and Content-Type name, both
    /// already RFC 2231 / RFC 2047 decoded by MailMessage) and its decoded bytes.
    func inspect(names: [String], bytes: ArraySlice<UInt8>, place: String, into signals: inout SignalCollector) {
        var seen: Set<String> = []
        for name in names where seen.insert(name).inserted { checkName(name, place: place, into: &signals) }
        let label = names.first.map { "\"\(FileName.visible($0))\"" } ?? "an unnamed attachment"
        inspectContent(bytes, label: "\(label) (\(place))", depth: 0, into: &signals)
    }

    func checkName(_ name: String, place: String, into signals: inout SignalCollector) {
        let shown = "\"\(FileName.visible(name))\" (\(place))"
        let controls = FileName.bidiControls(in: name)
        if !controls.isEmpty {
            let codes = Set(controls.map { "U+\(String($0.value, radix: 16, uppercase: true))" }).sorted().joined(separator: ", ")
            signals.add(RiskSignalName.rtlOverrideFilename, "\(shown) contains \(codes), which reorders how the name is shown")
        }
        let extensions = FileName.extensions(name)
        guard let last = extensions.first else { return }
        if executables.contains(last) {
            signals.add(RiskSignalName.executableAttachment, "\(shown) is a .\(last) file")
            if extensions.count >= 2, FileName.decoys.contains(extensions[1]) {
                signals.add(RiskSignalName.doubleExtension, "\(shown) shows .\(extensions[1]) but is .\(last)")
            }
        } else if extensions.count >= 2, FileName.decoys.contains(extensions[1]), Self.macroExtensions.contains(last) {
            signals.add(RiskSignalName.doubleExtension, "\(shown) shows .\(extensions[1]) but is .\(last)")
        }
        if Self.macroExtensions.contains(last) {
            signals.add(RiskSignalName.macroDocument, "\(shown) is a macro-enabled Office type (.\(last))")
        }
    }

    func inspectContent(_ bytes: ArraySlice<UInt8>, label: String, depth: Int, into signals: inout SignalCollector) {
        let type = FileType(bytes)
        if let executable = type.executableDescription {
            signals.add(RiskSignalName.executableAttachment, "\(label) is \(executable) by its content")
        }
        switch type {
        case .zip: inspectZip(bytes, label: label, depth: depth, into: &signals)
        case .compoundFile:
            let names = CompoundFile.directoryNames(bytes, maxSectors: policy.limits.maxCompoundFileSectors) ?? []
            let storages = CompoundFile.macroStorages(names)
            if !storages.isEmpty {
                signals.add(RiskSignalName.macroDocument, "\(label) is an OLE document with VBA macros (\(storages.prefix(3).joined(separator: ", ")))")
            }
        default: break
        }
    }

    /// The central directory only: names, flags and declared sizes. A nested archive is listed
    /// in turn when it is stored uncompressed; deeper than `maxArchiveDepth` is a bomb.
    func inspectZip(_ bytes: ArraySlice<UInt8>, label: String, depth: Int, into signals: inout SignalCollector) {
        let limits = policy.limits
        guard let (entries, truncated) = ZipDirectory.list(bytes, maxEntries: limits.maxArchiveEntries) else { return }
        if truncated {
            signals.add(RiskSignalName.archiveBomb, "\(label) declares more than \(limits.maxArchiveEntries) entries")
        }
        let encrypted = entries.filter(\.encrypted)
        if !encrypted.isEmpty {
            let names = encrypted.prefix(3).map { "\"\(FileName.visible($0.name))\"" }.joined(separator: ", ")
            signals.add(RiskSignalName.encryptedArchive,
                        "\(label) has \(encrypted.count) password-protected \(encrypted.count == 1 ? "entry" : "entries") (\(names)): its content cannot be checked")
        }
        var total: UInt64 = 0
        for entry in entries where !entry.isDirectory {
            total = total &+ entry.uncompressedSize
            checkName(entry.name, place: "inside \(label)", into: &signals)
            if entry.name.lowercased().hasSuffix("vbaproject.bin") {
                signals.add(RiskSignalName.macroDocument, "\(label) is an Office document with VBA macros (\(entry.name))")
            }
            if entry.compressedSize > 0, entry.uncompressedSize / entry.compressedSize > UInt64(limits.maxCompressionRatio) {
                signals.add(RiskSignalName.archiveBomb,
                            "\(label): \"\(FileName.visible(entry.name))\" expands \(entry.uncompressedSize / entry.compressedSize) times")
            }
            let isArchive = FileName.extensions(entry.name).first.map(Self.archiveExtensions.contains) ?? false
            guard let stored = ZipDirectory.storedData(of: entry, in: bytes) else { continue }
            let inner = FileType(stored)
            if let executable = inner.executableDescription {
                signals.add(RiskSignalName.executableAttachment, "\"\(FileName.visible(entry.name))\" inside \(label) is \(executable) by its content")
            }
            if inner == .zip || (isArchive && inner == .compoundFile) {
                if depth + 1 >= limits.maxArchiveDepth {
                    signals.add(RiskSignalName.archiveBomb, "\(label) nests archives deeper than \(limits.maxArchiveDepth) levels")
                } else {
                    inspectContent(stored, label: "\"\(FileName.visible(entry.name))\" inside \(label)", depth: depth + 1, into: &signals)
                }
            }
        }
        if total > UInt64(limits.maxArchiveUncompressedSize) {
            signals.add(RiskSignalName.archiveBomb, "\(label) declares \(total) bytes uncompressed")
        }
    }
}
