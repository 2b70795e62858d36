/// The tests (RFC 5228 §5 and the extensions').
extension SieveCompiler {
    static let matchTags: Set<String> = ["is", "contains", "matches", "regex"]
    static let addressTags: Set<String> = ["all", "localpart", "domain", "user", "detail"]

    func test(_ node: SieveTestNode) throws(SieveCompileError) -> SieveTest {
        let compiled = try testNode(node)
        // draft-ietf-sieve-regex-01 §5: a literal pattern that is not a regular expression is a compile error.
        if let (match, keys) = compiled.matchKeys, match.type == .regex {
            for key in keys where !key.contains("${") {
                if let problem = SieveRegex.problem(key, limits: limits) {
                    throw SieveCompileError("\(node.name): :regex \"\(String(key.prefix(80)))\": \(problem)", at: node.position)
                }
            }
        }
        return compiled
    }

    private func testNode(_ node: SieveTestNode) throws(SieveCompileError) -> SieveTest {
        let at = node.position
        func arguments(valued: Set<String> = [], plain: Set<String> = []) throws(SieveCompileError) -> SieveArguments {
            guard node.tests.isEmpty else { throw SieveCompileError("\(node.name) takes no nested test", at: at) }
            return try SieveArguments((node.name, node.arguments, node.position), valued: valued, plain: plain)
        }
        let comparing: Set<String> = ["comparator", "value", "count"]
        switch node.name {
        case "true", "false":
            try arguments().expect(0)
            return .constant(node.name == "true")
        case "not":
            guard node.arguments.isEmpty, node.tests.count == 1 else { throw SieveCompileError("not takes one test", at: at) }
            return .not(try test(node.tests[0]))
        case "allof", "anyof":
            guard node.arguments.isEmpty, !node.tests.isEmpty else { throw SieveCompileError("\(node.name) takes a test list", at: at) }
            var tests: [SieveTest] = []
            for inner in node.tests { tests.append(try test(inner)) }
            return node.name == "allof" ? .allOf(tests) : .anyOf(tests)
        case "exists":
            let a = try arguments()
            try a.expect(1)
            return .exists(texts(try a.strings(at: 0)))
        case "size":
            let a = try arguments(plain: ["over", "under"])
            try a.expect(1)
            guard a.has("over") != a.has("under") else { throw SieveCompileError("size needs one of :over or :under", at: at) }
            return .size(over: a.has("over"), limit: try a.number(at: 0))
        case "header":
            let a = try arguments(valued: comparing.union(["index"]), plain: Self.matchTags.union(["last"]))
            try a.expect(2)
            return .header(try match(a), names: texts(try a.strings(at: 0)), keys: texts(try a.strings(at: 1)), index: try fieldIndex(a))
        case "address", "envelope":
            if node.name == "envelope" { try need("envelope", at) }
            let indexTags: (valued: Set<String>, plain: Set<String>) = node.name == "address" ? (["index"], ["last"]) : ([], [])
            let a = try arguments(valued: comparing.union(indexTags.valued), plain: Self.matchTags.union(Self.addressTags).union(indexTags.plain))
            try a.expect(2)
            let part = try addressPart(a)
            let names = texts(try a.strings(at: 0))
            let keys = texts(try a.strings(at: 1))
            if node.name == "envelope" {
                for name in names where !["from", "to"].contains(name.lowercased()) {
                    throw SieveCompileError("envelope part \"\(name)\" is not from or to", at: at)
                }
                return .envelope(try match(a), part, parts: names.map { $0.lowercased() }, keys: keys)
            }
            return .address(try match(a), part, names: names, keys: keys, index: try fieldIndex(a))
        case "body":
            // body [COMPARATOR] [MATCH-TYPE] [BODY-TRANSFORM] <key-list> (RFC 5173 §4)
            try need("body", at)
            let a = try arguments(valued: comparing.union(["content"]), plain: Self.matchTags.union(["raw", "text"]))
            try a.expect(1)
            let transforms = ["raw", "text", "content"].filter(a.has)
            guard transforms.count <= 1 else { throw SieveCompileError("body takes one transform", at: at) }
            let transform: SieveBodyTransform = a.has("raw") ? .raw : a.has("content") ? .content(texts(try a.strings(tag: "content") ?? [])) : .text
            return .body(try match(a), transform, keys: texts(try a.strings(at: 0)))
        case "hasflag":
            // hasflag [MATCH-TYPE] [COMPARATOR] [<variable-list: string-list>] <list-of-flags: string-list> (RFC 5232 §4)
            try need("imap4flags", at)
            let a = try arguments(valued: comparing, plain: Self.matchTags)
            guard a.positional.count == 1 || a.positional.count == 2 else { throw SieveCompileError("hasflag takes one or two lists", at: at) }
            let variables = a.positional.count == 2 ? try a.strings(at: 0).map { $0.lowercased() } : []
            return .hasFlag(try match(a), variables: variables, keys: texts(try a.strings(at: a.positional.count - 1)))
        case "string":
            try need("variables", at)
            let a = try arguments(valued: comparing, plain: Self.matchTags)
            try a.expect(2)
            return .string(try match(a), sources: texts(try a.strings(at: 0)), keys: texts(try a.strings(at: 1)))
        case "mailboxexists":
            try need("mailbox", at)
            let a = try arguments()
            try a.expect(1)
            return .mailboxExists(texts(try a.strings(at: 0)))
        case "date":
            // date [<":zone" <time-zone: string>> / ":originalzone"] [COMPARATOR] [MATCH-TYPE]
            //      <header-name: string> <date-part: string> <key-list: string-list>  (RFC 5260 §4, §6 :index)
            try need("date", at)
            let a = try arguments(valued: comparing.union(["zone", "index"]), plain: Self.matchTags.union(["originalzone", "last"]))
            try a.expect(3)
            return .date(try match(a), try dateZone(a), name: text(try a.string(at: 0)), part: try datePart(a, at: 1),
                         keys: texts(try a.strings(at: 2)), index: try fieldIndex(a))
        case "duplicate":
            // duplicate [":handle" string] [":header" string / ":uniqueid" string] [":seconds" number] [":last"] (RFC 7352 §3)
            try need("duplicate", at)
            let a = try arguments(valued: ["handle", "header", "uniqueid", "seconds"], plain: ["last"])
            try a.expect(0)
            var spec = SieveDuplicateSpec()
            spec.handle = try a.string(tag: "handle").map(text) ?? ""
            spec.header = try a.string(tag: "header").map(text)
            spec.uniqueID = try a.string(tag: "uniqueid").map(text)
            guard spec.header == nil || spec.uniqueID == nil else { throw SieveCompileError("duplicate: :header and :uniqueid together", at: at) }
            if let header = spec.header, !header.contains("${"), !SieveEditHeader.isValidName(header) {
                throw SieveCompileError("duplicate: \"\(header)\" is not a header field name", at: at)
            }
            spec.seconds = try a.number(tag: "seconds")
            spec.last = a.has("last")
            return .duplicate(spec)
        case "currentdate":
            // currentdate [":zone" <time-zone: string>] [COMPARATOR] [MATCH-TYPE] <date-part: string> <key-list: string-list>  (RFC 5260 §5)
            try need("date", at)
            let a = try arguments(valued: comparing.union(["zone"]), plain: Self.matchTags)
            try a.expect(2)
            return .currentDate(try match(a), try dateZone(a), part: try datePart(a, at: 0), keys: texts(try a.strings(at: 1)))
        case "spamtest":
            // spamtest [":percent"] [COMPARATOR] [MATCH-TYPE] <value: string>  (RFC 5235 §3.1, §3.2)
            try need("spamtest", at)
            let a = try arguments(valued: comparing, plain: Self.matchTags.union(["percent"]))
            try a.expect(1)
            if a.has("percent") { try need("spamtestplus", at) }
            return .spamTest(try match(a), percent: a.has("percent"), keys: [text(try a.string(at: 0))])
        case "virustest":
            // virustest [COMPARATOR] [MATCH-TYPE] <value: string>  (RFC 5235 §3.3)
            try need("virustest", at)
            let a = try arguments(valued: comparing, plain: Self.matchTags)
            try a.expect(1)
            return .virusTest(try match(a), keys: [text(try a.string(at: 0))])
        case "environment":
            // environment [COMPARATOR] [MATCH-TYPE] <name: string> <key-list: string-list>  (RFC 5183 §4)
            try need("environment", at)
            let a = try arguments(valued: comparing, plain: Self.matchTags)
            try a.expect(2)
            return .environment(try match(a), name: text(try a.string(at: 0)).lowercased(), keys: texts(try a.strings(at: 1)))
        default:
            throw SieveCompileError("unknown test \"\(node.name)\"", at: at)
        }
    }

    /// RFC 5260 §4.1: `:zone` and `:originalzone` exclude each other; a literal zone must be `+hhmm`/`-hhmm`.
    private func dateZone(_ a: SieveArguments) throws(SieveCompileError) -> SieveDateZone {
        if let zone = try a.string(tag: "zone").map(text) {
            guard !a.has("originalzone") else { throw SieveCompileError("\(a.name): :zone and :originalzone together", at: a.position) }
            guard zone.contains("${") || SieveDatePart.zoneMinutes(zone) != nil else {
                throw SieveCompileError("\(a.name): zone \"\(zone)\" is not +hhmm or -hhmm", at: a.position)
            }
            return .fixed(zone)
        }
        return a.has("originalzone") ? .original : .local
    }

    /// RFC 5260 §4.2: a literal date-part must be one of the known ones (a variable is checked at run time).
    private func datePart(_ a: SieveArguments, at index: Int) throws(SieveCompileError) -> String {
        let part = text(try a.string(at: index)).lowercased()
        guard part.contains("${") || SieveDatePart(rawValue: part) != nil else {
            throw SieveCompileError("\(a.name): unknown date-part \"\(part)\"", at: a.position)
        }
        return part
    }

    // RFC 5260 §6: [":index" <fieldno: number> [":last"]]; fieldno counts from 1.
    private func fieldIndex(_ a: SieveArguments) throws(SieveCompileError) -> SieveFieldIndex? {
        guard let position = try a.number(tag: "index") else {
            if a.has("last") { throw SieveCompileError(":last needs :index", at: a.position) }
            return nil
        }
        try need("index", a.position)
        guard position >= 1 else { throw SieveCompileError(":index counts from 1", at: a.position) }
        return SieveFieldIndex(position: position, fromEnd: a.has("last"))
    }

    private func addressPart(_ a: SieveArguments) throws(SieveCompileError) -> SieveAddressPart {
        let given = Self.addressTags.filter(a.has)
        guard given.count <= 1 else { throw SieveCompileError("\(a.name) takes one address part", at: a.position) }
        switch given.first {
        case "localpart": return .localPart
        case "domain": return .domain
        case "user": try need("subaddress", a.position); return .user
        case "detail": try need("subaddress", a.position); return .detail
        default: return .all
        }
    }

    func match(_ a: SieveArguments) throws(SieveCompileError) -> SieveMatch {
        var match = SieveMatch()
        let types = Self.matchTags.union(["value", "count"]).filter(a.has)
        guard types.count <= 1 else { throw SieveCompileError("\(a.name) takes one match type", at: a.position) }
        switch types.first {
        case "contains": match.type = .contains
        case "matches": match.type = .matches
        case "regex":
            // draft-ietf-sieve-regex-01 §3: i;octet is case-sensitive, the casemaps are not; i;ascii-numeric orders no text.
            try need("regex", a.position)
            match.type = .regex
        case "value", "count":
            try need("relational", a.position)
            let tag = types.first!
            guard let name = try a.string(tag: tag), let relation = SieveRelation(rawValue: name.lowercased()) else {
                throw SieveCompileError(":\(tag) needs one of gt, ge, lt, le, eq, ne", at: a.position)
            }
            match.type = tag == "value" ? .value(relation) : .count(relation)
        default: match.type = .is
        }
        if let name = try a.string(tag: "comparator") {
            guard let comparator = SieveComparator(rawValue: name.lowercased()) else {
                throw SieveCompileError("unknown comparator \"\(name)\"", at: a.position)
            }
            if comparator == .asciiNumeric || comparator == .unicodeCaseMap { try need("comparator-\(comparator.rawValue)", a.position) }
            match.comparator = comparator
        }
        if match.type == .regex, match.comparator == .asciiNumeric {
            throw SieveCompileError("\(a.name): :regex does not take the i;ascii-numeric comparator", at: a.position)
        }
        return match
    }
}

extension SieveTest {
    /// The match and keys of a test that compares against keys.
    var matchKeys: (SieveMatch, [String])? {
        switch self {
        case .header(let match, _, let keys, _), .address(let match, _, _, let keys, _), .envelope(let match, _, _, let keys),
             .body(let match, _, let keys), .hasFlag(let match, _, let keys), .string(let match, _, let keys),
             .date(let match, _, _, _, let keys, _), .currentDate(let match, _, _, let keys),
             .spamTest(let match, _, let keys), .virusTest(let match, let keys), .environment(let match, _, let keys):
            (match, keys)
        default: nil
        }
    }
}
