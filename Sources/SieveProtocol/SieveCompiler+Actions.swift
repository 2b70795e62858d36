/// The action and control commands (RFC 5228 §3-4 and the extensions').
extension SieveCompiler {
    func action(_ node: SieveCommandNode) throws(SieveCompileError) -> SieveInstruction {
        let at = node.position
        func arguments(valued: Set<String> = [], plain: Set<String> = []) throws(SieveCompileError) -> SieveArguments {
            try SieveArguments((node.name, node.arguments, node.position), valued: valued, plain: plain)
        }
        switch node.name {
        case "stop":
            try arguments().expect(0)
            return .stop
        case "keep":
            let a = try arguments(valued: ["flags"])
            try a.expect(0)
            return .keep(flags: try flags(a))
        case "discard":
            try arguments().expect(0)
            return .discard
        case "fileinto":
            // fileinto [:copy] [:flags <list>] [:create] <mailbox: string> (RFC 5228 §4.1, 3894, 5232, 5490)
            try need("fileinto", at)
            let a = try arguments(valued: ["flags"], plain: ["copy", "create"])
            try a.expect(1)
            if a.has("copy") { try need("copy", at) }
            if a.has("create") { try need("mailbox", at) }
            let mailbox = text(try a.string(at: 0))
            guard !mailbox.isEmpty else { throw SieveCompileError("fileinto needs a mailbox name", at: at) }
            return .fileinto(mailbox: mailbox, flags: try flags(a), copy: a.has("copy"), create: a.has("create"))
        case "redirect":
            // redirect [:copy] <address: string> (RFC 5228 §4.2, RFC 3894)
            let a = try arguments(plain: ["copy"])
            try a.expect(1)
            if a.has("copy") { try need("copy", at) }
            return .redirect(address: text(try a.string(at: 0)), copy: a.has("copy"))
        case "reject", "ereject":
            // reject <reason: string> (RFC 5429 §2.1, §2.2)
            try need(node.name, at)
            let a = try arguments()
            try a.expect(1)
            return .reject(reason: text(try a.string(at: 0)), extended: node.name == "ereject")
        case "vacation":
            return try vacation(try arguments(valued: ["days", "seconds", "subject", "from", "addresses", "handle"], plain: ["mime"]))
        case "setflag", "addflag", "removeflag":
            // setflag [<variablename: string>] <list-of-flags: string-list> (RFC 5232 §3)
            try need("imap4flags", at)
            let a = try arguments()
            guard a.positional.count == 1 || a.positional.count == 2 else {
                throw SieveCompileError("\(node.name) takes a flag list and optionally a variable name first", at: at)
            }
            let variable = a.positional.count == 2 ? try a.string(at: 0) : nil
            if variable != nil { try need("variables", at) }
            let operation: SieveFlagOperation = node.name == "setflag" ? .set : node.name == "addflag" ? .add : .remove
            return .flags(operation, variable: variable?.lowercased(), flags: texts(try a.strings(at: a.positional.count - 1)))
        case "set":
            // set [MODIFIER] <name: string> <value: string> (RFC 5229 §4)
            try need("variables", at)
            let a = try arguments(plain: ["lower", "upper", "lowerfirst", "upperfirst", "quotewildcard", "length"])
            try a.expect(2)
            let name = try a.string(at: 0)
            guard SieveVariables.isValidName(name, namespaces: extensions.contains("include")) else { throw SieveCompileError("\"\(name)\" is not a variable name", at: at) }
            let modifiers = a.tags.keys.compactMap(SieveModifier.init(rawValue:)).sorted { $0.precedence > $1.precedence }
            let precedences = modifiers.map(\.precedence)
            guard Set(precedences).count == precedences.count else {
                throw SieveCompileError("set: two modifiers of the same precedence", at: at)
            }
            return .set(name: name.lowercased(), value: text(try a.string(at: 1)), modifiers: modifiers)
        case "addheader":
            // addheader [":last"] <field-name: string> <value: string> (RFC 5293 §4)
            try need("editheader", at)
            let a = try arguments(plain: ["last"])
            try a.expect(2)
            return .addHeader(name: try fieldName(text(try a.string(at: 0)), at), value: text(try a.string(at: 1)), last: a.has("last"))
        case "deleteheader":
            // deleteheader [":index" <fieldno: number> [":last"]] [COMPARATOR] [MATCH-TYPE]
            //              <field-name: string> [<value-patterns: string-list>] (RFC 5293 §5)
            try need("editheader", at)
            let a = try arguments(valued: ["comparator", "value", "count", "index"], plain: Self.matchTags.union(["last"]))
            guard a.positional.count == 1 || a.positional.count == 2 else {
                throw SieveCompileError("deleteheader takes a field name and optionally value patterns", at: at)
            }
            let patterns = a.positional.count == 2 ? texts(try a.strings(at: 1)) : []
            if patterns.isEmpty, Self.matchTags.union(["comparator", "value", "count"]).contains(where: a.has) {
                throw SieveCompileError("deleteheader: a comparator or match type needs value patterns", at: at)
            }
            if case .count = try match(a).type { throw SieveCompileError("deleteheader does not take :count", at: at) }
            return .deleteHeader(SieveHeaderDeletion(match: try match(a), name: try fieldName(text(try a.string(at: 0)), at),
                                                     patterns: patterns, index: try editIndex(a)))
        default:
            if let instruction = try includeCommand(node) { return instruction }
            throw SieveCompileError("unknown command \"\(node.name)\"", at: at)
        }
    }

    /// RFC 5293 §4: a field name that is not one (RFC 5322 §3.6.8) is a compile error when literal.
    private func fieldName(_ name: String, _ at: SievePosition) throws(SieveCompileError) -> String {
        guard name.contains("${") || SieveEditHeader.isValidName(name) else {
            throw SieveCompileError("\"\(name)\" is not a header field name", at: at)
        }
        return name
    }

    /// RFC 5293 §5: deleteheader's :index and :last are part of editheader (no "index" needed).
    private func editIndex(_ a: SieveArguments) throws(SieveCompileError) -> SieveFieldIndex? {
        guard let position = try a.number(tag: "index") else {
            if a.has("last") { throw SieveCompileError(":last needs :index", at: a.position) }
            return nil
        }
        guard position >= 1 else { throw SieveCompileError(":index counts from 1", at: a.position) }
        return SieveFieldIndex(position: position, fromEnd: a.has("last"))
    }

    private func flags(_ a: SieveArguments) throws(SieveCompileError) -> [String]? {
        guard let list = try a.strings(tag: "flags") else { return nil }
        try need("imap4flags", a.position)
        return texts(list)
    }

    // vacation [":days" number | ":seconds" number] [":subject" string] [":from" string]
    //          [":addresses" string-list] [":mime"] [":handle" string] <reason: string>  (RFC 5230 §4, RFC 6131)
    private func vacation(_ a: SieveArguments) throws(SieveCompileError) -> SieveInstruction {
        try need("vacation", a.position)
        try a.expect(1)
        var spec = SieveVacationSpec(reason: text(try a.string(at: 0)))
        if let days = try a.number(tag: "days") { spec.seconds = days * 86_400 }
        if let seconds = try a.number(tag: "seconds") {
            try need("vacation-seconds", a.position)
            guard spec.seconds == nil else { throw SieveCompileError("vacation: :days and :seconds together", at: a.position) }
            spec.seconds = seconds
        }
        spec.subject = try a.string(tag: "subject").map(text)
        spec.from = try a.string(tag: "from").map(text)
        spec.addresses = texts(try a.strings(tag: "addresses") ?? [])
        spec.mime = a.has("mime")
        spec.handle = try a.string(tag: "handle").map(text)
        return .vacation(spec)
    }
}
