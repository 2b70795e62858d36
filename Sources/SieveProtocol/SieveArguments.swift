/// The arguments of one command or test, sorted into tags and positional arguments, with the
/// tags each command accepts (RFC 5228 §2.6: tagged arguments come before positional ones).
struct SieveArguments {
    var tags: [String: SieveArgument?] = [:]
    var positional: [SieveArgument] = []
    let position: SievePosition
    let name: String

    /// `valued`: tags followed by one argument; `plain`: tags on their own.
    init(_ node: (name: String, arguments: [SieveArgument], position: SievePosition),
         valued: Set<String>, plain: Set<String>) throws(SieveCompileError) {
        name = node.name
        position = node.position
        var index = 0
        let arguments = node.arguments
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard case .tag(let tag, let at) = argument else { positional.append(argument); continue }
            guard positional.isEmpty else { throw SieveCompileError("tag :\(tag) must come before \(name)'s other arguments", at: at) }
            guard tags[tag] == nil else { throw SieveCompileError("tag :\(tag) given twice", at: at) }
            if valued.contains(tag) {
                guard index < arguments.count, !arguments[index].isTag else {
                    throw SieveCompileError("tag :\(tag) needs an argument", at: at)
                }
                tags[tag] = .some(arguments[index])
                index += 1
            } else if plain.contains(tag) {
                tags[tag] = .some(nil)
            } else {
                throw SieveCompileError("\(name) does not take :\(tag)", at: at)
            }
        }
    }

    func has(_ tag: String) -> Bool { tags[tag] != nil }

    func string(tag: String) throws(SieveCompileError) -> String? {
        guard let value = tags[tag] else { return nil }
        guard case .strings(let list, _)? = value, list.count == 1 else {
            throw SieveCompileError(":\(tag) needs a string", at: value?.position ?? position)
        }
        return list[0]
    }

    func strings(tag: String) throws(SieveCompileError) -> [String]? {
        guard let value = tags[tag] else { return nil }
        guard case .strings(let list, _)? = value else {
            throw SieveCompileError(":\(tag) needs a string list", at: value?.position ?? position)
        }
        return list
    }

    func number(tag: String) throws(SieveCompileError) -> Int? {
        guard let value = tags[tag] else { return nil }
        guard case .number(let n, _)? = value else {
            throw SieveCompileError(":\(tag) needs a number", at: value?.position ?? position)
        }
        return n
    }

    /// Exactly `count` positional arguments.
    func expect(_ count: Int) throws(SieveCompileError) {
        guard positional.count == count else {
            throw SieveCompileError("\(name) takes \(count) argument\(count == 1 ? "" : "s"), not \(positional.count)", at: position)
        }
    }

    func strings(at index: Int) throws(SieveCompileError) -> [String] {
        guard index < positional.count, case .strings(let list, _) = positional[index] else {
            throw SieveCompileError("\(name): argument \(index + 1) must be a string or string list", at: position)
        }
        return list
    }

    func string(at index: Int) throws(SieveCompileError) -> String {
        let list = try strings(at: index)
        guard list.count == 1 else { throw SieveCompileError("\(name): argument \(index + 1) must be one string", at: positional[index].position) }
        return list[0]
    }

    func number(at index: Int) throws(SieveCompileError) -> Int {
        guard index < positional.count, case .number(let n, _) = positional[index] else {
            throw SieveCompileError("\(name): argument \(index + 1) must be a number", at: position)
        }
        return n
    }
}

extension SieveArgument {
    var isTag: Bool { if case .tag = self { true } else { false } }
}

/// RFC 5228 §2.4.2.4 encoded-character: "${hex:...}" and "${unicode:...}" decoded in place;
/// a sequence that is not well formed stays as written.
enum EncodedCharacter {
    static func decode(_ text: String) -> String { SieveReferences.replace(in: text, decodeOne) }

    private static func decodeOne(_ body: Substring) -> String? {
        guard let colon = body.firstIndex(of: ":") else { return nil }
        let kind = body[..<colon].lowercased()
        let items = body[body.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" })
        switch kind {
        case "hex":
            var bytes: [UInt8] = []
            for item in items {
                guard item.count % 2 == 0, !item.isEmpty else { return nil }
                var i = item.startIndex
                while i < item.endIndex {
                    let j = item.index(i, offsetBy: 2)
                    guard let byte = UInt8(item[i..<j], radix: 16) else { return nil }
                    bytes.append(byte)
                    i = j
                }
            }
            return String(decoding: bytes, as: UTF8.self)
        case "unicode":
            var scalars = String.UnicodeScalarView()
            for item in items {
                guard item.count <= 8, let value = UInt32(item, radix: 16), let scalar = Unicode.Scalar(value) else { return nil }
                scalars.append(scalar)
            }
            return String(scalars)
        default:
            return nil
        }
    }
}

/// The "${...}" references of encoded-character and variables (RFC 5228 §2.4.2.4, RFC 5229 §3):
/// each one whose inside `replacement` maps is replaced; any other text stays as written.
enum SieveReferences {
    static func replace(in text: String, maxLength: Int = .max, _ replacement: (Substring) -> String?) -> String {
        guard text.contains("${") else { return text }
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            let after = rest[start.upperBound...]
            guard let close = after.firstIndex(of: "}"), let replaced = replacement(after[..<close]) else {
                result += "${"
                rest = after
                continue
            }
            result += replaced
            rest = after[after.index(after: close)...]
            if result.utf8.count > maxLength { break }
        }
        return result + rest
    }
}
