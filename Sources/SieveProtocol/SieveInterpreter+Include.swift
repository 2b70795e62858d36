/// Running included scripts (RFC 6609 §3.2-§3.4): one run, one result. An included script's
/// actions count as the main script's, its `stop` ends the run and its `return` comes back here.
extension SieveInterpreter {
    mutating func include(_ include: SieveInclude) throws(SieveRuntimeError) -> Flow {
        let target = include.script
        // §3.2: with :once, a script already included in this run is not run again.
        if include.once, includedScripts.contains(target) { return .next }
        guard let included = scripts?.included[target] else {
            // §3.2: a missing script is an error at run time, unless :optional.
            if include.optional { return .next }
            throw .invalid("included \(target) does not exist")
        }
        // §3.2: recursion is an error, checked here whatever was checked when the scripts were loaded.
        guard target != scripts?.mainReference, !includeStack.contains(target) else {
            throw .invalid("include of \(target) is recursive")
        }
        guard includeStack.count < limits.maxIncludeDepth else { throw .invalid("includes nested deeper than \(limits.maxIncludeDepth)") }
        includedScripts.insert(target)
        // §3.3: the included script has its own variables; only globals are shared.
        let (caller, callerVariables) = (program, variables)
        program = included
        variables = SieveVariables(limits: limits, namespaces: included.extensions.contains("include"), globals: callerVariables.globals)
        includeStack.append(target)
        let flow = try execute(included.instructions)
        includeStack.removeLast()
        let globals = variables.globals
        (program, variables) = (caller, callerVariables)
        variables.globals = globals
        return flow == .stop ? .stop : .next
    }
}
