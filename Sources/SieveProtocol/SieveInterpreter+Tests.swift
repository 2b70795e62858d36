import Foundation

/// Evaluating tests (RFC 5228 §5 and the extensions').
extension SieveInterpreter {
    mutating func evaluate(_ test: SieveTest) throws(SieveRuntimeError) -> Bool {
        try budget.charge()
        switch test {
        case .constant(let value): return value
        case .not(let inner): return !(try evaluate(inner))
        case .allOf(let tests):
            for inner in tests where !(try evaluate(inner)) { return false }
            return true
        case .anyOf(let tests):
            for inner in tests where try evaluate(inner) { return true }
            return false
        case .exists(let names):
            return expand(names).allSatisfy { !input.header.fields(named: $0).isEmpty }
        case .size(let over, let limit):
            return over ? input.size > limit : input.size < limit
        case .header(let match, let names, let keys, let index):
            return try compare(expand(names).flatMap { input.headerValues($0, index: index) }, expand(keys), match)
        case .address(let match, let part, let names, let keys, let index):
            let values = expand(names).flatMap { input.addresses($0, index: index) }.compactMap { Self.part(part, local: $0.local, domain: $0.domain) }
            return try compare(values, expand(keys), match)
        case .envelope(let match, let part, let parts, let keys):
            var values: [String] = []
            for name in parts {
                let address = name == "from" ? input.envelopeFrom : input.envelopeTo
                // RFC 5228 §5.4: the null reverse-path is the empty string for every part.
                if address.isEmpty { values.append(""); continue }
                let (local, domain) = Self.split(address)
                if let value = Self.part(part, local: local, domain: domain) { values.append(value) }
            }
            return try compare(values, expand(keys), match)
        case .body(let match, let transform, let keys):
            let texts: [String]
            if let cached = bodyCache[transform] {
                texts = cached
            } else {
                texts = input.bodyTexts(transform, limit: limits.maxBodyText)
                try budget.charge(texts.reduce(0) { $0 + $1.utf8.count } / 1024)
                bodyCache[transform] = texts
            }
            // RFC 5173 §4: body matches are substring matches, :contains or :matches over the text.
            return try compare(texts, expand(keys), match)
        case .hasFlag(let match, let names, let keys):
            let flags = names.isEmpty ? internalFlags : SieveFlags.normalize(names.map { variables.value(of: $0) ?? "" })
            return try compare(flags, SieveFlags.normalize(expand(keys)), match)
        case .string(let match, let sources, let keys):
            let values = expand(sources)
            // RFC 5229 §5: for :count, empty strings are not counted.
            if case .count = match.type { return try compare(values.filter { !$0.isEmpty }, expand(keys), match) }
            return try compare(values, expand(keys), match)
        case .mailboxExists(let names):
            return expand(names).allSatisfy { name in input.mailboxes.contains { $0.lowercased() == name.lowercased() } }
        case .date(let match, let zone, let name, let part, let keys, let index):
            // RFC 5260 §4: no field or no valid date: no value (false; :count sees 0).
            let values = input.headerDate(expand(name), index: index).flatMap { dateValue($0.date, original: $0.timeZoneOffsetMinutes ?? 0, zone, part) }
            return try compare(values.map { [$0] } ?? [], expand(keys), match)
        case .duplicate(let spec):
            return duplicate(spec)
        case .currentDate(let match, let zone, let part, let keys):
            let values = dateValue(input.now, original: input.localZoneMinutes, zone, part)
            return try compare(values.map { [$0] } ?? [], expand(keys), match)
        case .spamTest(let match, let percent, let keys):
            // RFC 5235 §3.1: one value, "0" when the message was not tested.
            let value = percent ? input.assessment.spamtestPercent : input.assessment.spamtest
            return try compare([value], expand(keys), match)
        case .virusTest(let match, let keys):
            return try compare([input.assessment.virustest], expand(keys), match)
        case .environment(let match, let name, let keys):
            // RFC 5183 §4: an item that is not known or not available fails the test (with :count too, as Pigeonhole).
            guard let value = input.environment[expand(name).lowercased()] else { return false }
            return try compare([value], expand(keys), match)
        }
    }

    /// Any value against any key; :count compares how many values there are (RFC 5231 §4.2).
    mutating func compare(_ values: [String], _ keys: [String], _ match: SieveMatch) throws(SieveRuntimeError) -> Bool {
        if case .count(let relation) = match.type {
            let count = String(values.count)
            return keys.contains { SieveMatching.holds(relation, SieveMatching.numericOrder(count, $0)) }
        }
        if match.type == .regex { return try regexCompare(values, keys, match) }
        for value in values {
            for key in keys {
                var captures: [String]? = nil
                if try SieveMatching.matches(value, key, match, captures: &captures, budget: &budget) {
                    if let captures, program.usesVariables { variables.matched = captures.map(variables.truncated) }
                    return true
                }
            }
        }
        return false
    }

    /// The date-part in the chosen zone; nil when a zone or date-part from a variable is not valid.
    func dateValue(_ instant: Date, original: Int, _ zone: SieveDateZone, _ part: String) -> String? {
        guard let datePart = SieveDatePart(rawValue: expand(part).lowercased()) else { return nil }
        let minutes: Int
        switch zone {
        case .local: minutes = input.localZoneMinutes
        case .original: minutes = original
        case .fixed(let text):
            guard let given = SieveDatePart.zoneMinutes(expand(text)) else { return nil }
            minutes = given
        }
        return datePart.value(of: instant, zoneMinutes: minutes)
    }

    static func split(_ address: String) -> (String, String?) {
        guard let at = address.lastIndex(of: "@") else { return (address, nil) }
        return (String(address[..<at]), String(address[address.index(after: at)...]))
    }

    /// RFC 5228 §2.7.4 and RFC 5233 §4 (separator "+"; no separator: :detail has no value).
    static func part(_ part: SieveAddressPart, local: String, domain: String?) -> String? {
        switch part {
        case .all: return domain.map { "\(local)@\($0)" } ?? local
        case .localPart: return local
        case .domain: return domain ?? ""
        case .user: return local.firstIndex(of: "+").map { String(local[..<$0]) } ?? local
        case .detail: return local.firstIndex(of: "+").map { String(local[local.index(after: $0)...]) }
        }
    }
}
