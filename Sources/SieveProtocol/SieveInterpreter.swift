/// Runs a compiled program on one message (RFC 5228 §2.10): commands in order, actions
/// collected, then the implicit keep unless an action cancelled it. Every step is counted; a
/// run over `SieveLimits.maxInstructions` throws, and the delivery then keeps the message.
public struct SieveInterpreter {
    /// The script running now: the main one, or an included one (RFC 6609).
    var program: SieveProgram
    /// The included scripts of the run; nil: the program includes nothing that was loaded.
    var scripts: SieveScriptSet?
    /// RFC 6609 §3.2: the scripts being included now (recursion) and every one included so far (:once).
    var includeStack: [SieveScriptReference] = []
    var includedScripts: Set<SieveScriptReference> = []
    /// The message; RFC 5293 edits change its header for the tests that follow.
    var input: SieveInput
    let limits: SieveLimits
    let vacationPolicy: SieveVacationPolicy
    var duplicatePolicy = SieveDuplicatePolicy()
    var budget: SieveBudget
    var variables: SieveVariables
    /// RFC 5232 §3: the internal variable that holds the flags for keep and fileinto.
    var internalFlags: [String] = []
    var actions: [SieveAction] = []
    var implicitKeep = true
    var redirects = 0
    var bodyCache: [SieveBodyTransform: [String]] = [:]
    var headerEdited = false
    var headerEdits = 0
    var duplicateRecords: [SieveDuplicateRecord] = []
    /// What the delivery logs: :regex patterns that failed or hit a bound.
    var notes: [String] = []
    /// Time the :regex searches of this run took (`SieveLimits.regexRunTime`).
    var regexTime: Duration = .zero

    public static func run(_ program: SieveProgram, on input: SieveInput, limits: SieveLimits = .default,
                           vacation: SieveVacationPolicy = SieveVacationPolicy(),
                           duplicate: SieveDuplicatePolicy = SieveDuplicatePolicy()) throws(SieveRuntimeError) -> SieveResult {
        try run(SieveScriptSet(main: program), on: input, limits: limits, vacation: vacation, duplicate: duplicate)
    }

    /// Runs `scripts.main`, with the scripts it includes (RFC 6609) taken from `scripts`.
    public static func run(_ scripts: SieveScriptSet, on input: SieveInput, limits: SieveLimits = .default,
                           vacation: SieveVacationPolicy = SieveVacationPolicy(),
                           duplicate: SieveDuplicatePolicy = SieveDuplicatePolicy()) throws(SieveRuntimeError) -> SieveResult {
        let program = scripts.main
        var interpreter = SieveInterpreter(program: program, scripts: scripts, input: input, limits: limits, vacationPolicy: vacation,
                                           budget: SieveBudget(limit: limits.maxInstructions),
                                           variables: SieveVariables(limits: limits, namespaces: program.extensions.contains("include")))
        interpreter.duplicatePolicy = duplicate
        _ = try interpreter.execute(program.instructions)
        return SieveResult(actions: try interpreter.finish(), steps: interpreter.budget.used,
                           editedHeader: interpreter.headerEdited ? interpreter.input.header : nil, duplicates: interpreter.duplicateRecords,
                           notes: interpreter.notes)
    }

    /// `stop` ends the run; `return` ends the script running now (RFC 6609 §3.4).
    enum Flow { case next, stop, returned }

    mutating func execute(_ instructions: [SieveInstruction]) throws(SieveRuntimeError) -> Flow {
        for instruction in instructions {
            try budget.charge()
            let flow = try execute(instruction)
            if flow != .next { return flow }
        }
        return .next
    }

    func expand(_ text: String) -> String { program.usesVariables ? variables.expand(text) : text }
    func expand(_ texts: [String]) -> [String] { texts.map(expand) }

    private mutating func execute(_ instruction: SieveInstruction) throws(SieveRuntimeError) -> Flow {
        switch instruction {
        case .stop: return .stop
        case .keep(let flags):
            add(.keep(flags: flags.map { SieveFlags.normalize(expand($0)) } ?? internalFlags))
            implicitKeep = false
        case .discard:
            implicitKeep = false
        case .fileinto(let mailbox, let flags, let copy, let create):
            let name = expand(mailbox)
            let flagList = flags.map { SieveFlags.normalize(expand($0)) } ?? internalFlags
            if name.caseInsensitiveCompare("INBOX") { add(.keep(flags: flagList)) } else { add(.fileinto(mailbox: name, flags: flagList, create: create)) }
            if !copy { implicitKeep = false }
        case .redirect(let address, let copy):
            let target = expand(address)
            if !actions.contains(.redirect(address: target)) {
                redirects += 1
                guard redirects <= limits.maxRedirects else { throw .tooManyRedirects(limits.maxRedirects) }
                actions.append(.redirect(address: target))
            }
            if !copy { implicitKeep = false }
        case .reject(let reason, let extended):
            guard !actions.contains(where: { if case .reject = $0 { true } else { false } }) else {
                throw .conflictingActions("more than one reject")
            }
            actions.append(.reject(reason: expand(reason), extended: extended))
            implicitKeep = false
        case .vacation(let spec):
            guard !actions.contains(where: { if case .vacation = $0 { true } else { false } }) else {
                throw .conflictingActions("more than one vacation")  // RFC 5230 §4.8
            }
            actions.append(.vacation(vacationReply(spec)))
        case .conditional(let branches, let otherwise):
            for branch in branches where try evaluate(branch.test) { return try execute(branch.body) }
            if let otherwise { return try execute(otherwise) }
        case .flags(let operation, let variable, let flags):
            let given = SieveFlags.normalize(expand(flags))
            let current = variable.map { SieveFlags.normalize([variables.value(of: $0) ?? ""]) } ?? internalFlags
            let updated = switch operation {
            case .set: given
            case .add: SieveFlags.union(current, given)
            case .remove: current.filter { flag in !given.contains { $0.lowercased() == flag.lowercased() } }
            }
            if let variable { try variables.set(variable, updated.joined(separator: " ")) } else { internalFlags = updated }
        case .set(let name, let value, let modifiers):
            try variables.set(name, SieveVariables.apply(modifiers, to: expand(value)))
        case .addHeader(let name, let value, let last):
            try addHeader(name: name, value: value, last: last)
        case .deleteHeader(let deletion):
            try deleteHeader(deletion)
        case .include(let include):
            return try self.include(include)
        case .returnFromInclude:
            return .returned
        case .global(let names):
            variables.declaredGlobal.formUnion(names)
        }
        return .next
    }

    /// Merges an action with one already taken for the same place (RFC 5228 §4.1: a message is
    /// filed into one mailbox once), joining their flags.
    private mutating func add(_ action: SieveAction) {
        for (index, existing) in actions.enumerated() {
            switch (existing, action) {
            case (.keep(let a), .keep(let b)):
                actions[index] = .keep(flags: SieveFlags.union(a, b)); return
            case (.fileinto(let m, let a, let c), .fileinto(let n, let b, let d)) where m == n:
                actions[index] = .fileinto(mailbox: m, flags: SieveFlags.union(a, b), create: c || d); return
            default: continue
            }
        }
        actions.append(action)
    }

    private func vacationReply(_ spec: SieveVacationSpec) -> SieveVacationReply {
        let reason = expand(spec.reason), subject = spec.subject.map(expand), from = spec.from.map(expand)
        // RFC 5230 §4.2: without :handle, replies that differ in reason, subject, from or mime are distinct.
        let handle = spec.handle.map(expand) ?? "\(reason)<\(subject ?? "default-subject")><\(from ?? "default-from")><\(spec.mime ? "MIME" : "NO-MIME")>"
        return SieveVacationReply(period: vacationPolicy.period(spec.seconds), subject: subject, from: from,
                                  addresses: expand(spec.addresses), mime: spec.mime, handle: handle, reason: reason)
    }

    /// RFC 5429 §2.1: reject does not go with keep, fileinto, redirect or vacation.
    private mutating func finish() throws(SieveRuntimeError) -> [SieveAction] {
        if actions.contains(where: { if case .reject = $0 { true } else { false } }) {
            if let other = actions.first(where: { if case .reject = $0 { false } else { true } }) {
                throw .conflictingActions("reject with \(other)")
            }
            return actions
        }
        if implicitKeep { add(.keep(flags: internalFlags)) }
        return actions
    }
}

extension String {
    func caseInsensitiveCompare(_ other: String) -> Bool { lowercased() == other.lowercased() }
}

/// RFC 5232 §3: flag lists are space-separated, compared without case, each flag once.
enum SieveFlags {
    static func normalize(_ lists: [String]) -> [String] {
        union([], lists.flatMap { $0.split(separator: " ").map(String.init) })
    }

    static func normalize(_ list: String) -> [String] { normalize([list]) }

    static func union(_ a: [String], _ b: [String]) -> [String] {
        var result = a
        for flag in b where !flag.isEmpty && !result.contains(where: { $0.lowercased() == flag.lowercased() }) { result.append(flag) }
        return result
    }
}
