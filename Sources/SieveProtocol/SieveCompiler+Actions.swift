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
            guard SieveVariables.isValidName(name) else { throw SieveCompileError("\"\(name)\" is not a variable name", at: at) }
            let modifiers = a.tags.keys.compactMap(SieveModifier.init(rawValue:)).sorted { $0.precedence > $1.precedence }
            let precedences = modifiers.map(\.precedence)
            guard Set(precedences).count == precedences.count else {
                throw SieveCompileError("set: two modifiers of the same precedence", at: at)
            }
            return .set(name: name.lowercased(), value: text(try a.string(at: 1)), modifiers: modifiers)
        default:
            throw SieveCompileError("unknown command \"\(node.name)\"", at: at)
        }
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
