import MailMessage

/// RFC 5293 editheader: `addheader` and `deleteheader` change the header the rest of the script
/// tests and that the delivery stores.
public struct SieveHeaderDeletion: Sendable, Equatable {
    public var match: SieveMatch
    public var name: String
    /// Empty: every field of the name (or the `index`-selected one) goes.
    public var patterns: [String]
    public var index: SieveFieldIndex?
}

enum SieveEditHeader {
    /// Fields a script may not delete: trace fields and Auto-Submitted (RFC 5293 §6), and the
    /// verdicts reception wrote (Authentication-Results RFC 8601, Hato-Risk), which a script may
    /// not add either (they would be forgeries).
    static let undeletable: Set<String> = ["received", "auto-submitted", "authentication-results", "hato-risk"]
    static let unaddable: Set<String> = ["authentication-results", "hato-risk"]

    /// field-name = 1*ftext; ftext = %d33-57 / %d59-126 (RFC 5322 §3.6.8).
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { $0 >= 33 && $0 <= 126 && $0 != 58 }
    }

    /// The field as stored: line breaks in the value become spaces (RFC 5293 §5: the result must
    /// be a valid field), non-ASCII goes into RFC 2047 encoded-words (UTF-8), long lines folded.
    static func field(name: String, value: String) -> HeaderField {
        let flat = String(value.unicodeScalars.map { $0 == "\r" || $0 == "\n" ? " " : Character($0) })
        let text = HeaderSection.unstructuredField(name: name, value: flat)
        let body = text.utf8.dropFirst(name.utf8.count + 1).dropLast(2)
        return HeaderField(name: name, value: String(decoding: body, as: UTF8.self).trimmingPrefixSpace)
    }
}

extension String {
    fileprivate var trimmingPrefixSpace: String { hasPrefix(" ") ? String(dropFirst()) : self }
}

extension SieveInterpreter {
    /// addheader [":last"] <field-name: string> <value: string> (RFC 5293 §4): on top unless :last.
    mutating func addHeader(name rawName: String, value: String, last: Bool) throws(SieveRuntimeError) {
        let name = expand(rawName)
        guard SieveEditHeader.isValidName(name) else { throw .invalid("addheader: \"\(name)\" is not a field name") }
        guard !SieveEditHeader.unaddable.contains(name.lowercased()) else { return }  // refused, as a protected field
        let field = SieveEditHeader.field(name: name, value: expand(value))
        try budget.charge(field.raw.count / 256)
        headerEdits += 1
        guard headerEdits <= limits.maxHeaderEdits else { throw .invalid("more than \(limits.maxHeaderEdits) addheader actions") }
        if last { input.header.fields.append(field) } else { input.header.fields.insert(field, at: 0) }
        headerEdited = true
    }

    /// deleteheader [":index" <fieldno> [":last"]] [COMPARATOR] [MATCH-TYPE] <field-name: string>
    /// [<value-patterns: string-list>] (RFC 5293 §5): fields of the name whose decoded value matches
    /// one pattern (every one without patterns); :index counts among all fields of the name.
    mutating func deleteHeader(_ deletion: SieveHeaderDeletion) throws(SieveRuntimeError) {
        let name = expand(deletion.name)
        guard SieveEditHeader.isValidName(name) else { throw .invalid("deleteheader: \"\(name)\" is not a field name") }
        guard !SieveEditHeader.undeletable.contains(name.lowercased()) else { return }
        let positions = input.header.fields.indices.filter { input.header.fields[$0].hasName(name) }
        let chosen = deletion.index?.select(positions) ?? positions
        let patterns = expand(deletion.patterns)
        var doomed: [Int] = []
        for position in chosen {
            if patterns.isEmpty { doomed.append(position); continue }
            let value = input.header.fields[position].decodedValue.trimmingWhiteSpace
            if try compare([value], patterns, deletion.match) { doomed.append(position) }
        }
        guard !doomed.isEmpty else { return }
        for position in doomed.reversed() { input.header.fields.remove(at: position) }
        headerEdited = true
    }
}
