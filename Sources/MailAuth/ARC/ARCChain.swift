// The ARC header fields of a message grouped into ARC Sets (RFC 8617 §4.1, §4.2): each set is
// one ARC-Authentication-Results, one ARC-Message-Signature and one ARC-Seal with the same
// instance (i=, 1...50).

/// RFC 8617 §4.4 Chain Validation Status.
public enum ARCResult: String, Sendable, Hashable, Codable {
    case none, pass, fail
}

public enum ARCLimits {
    /// §4.2.1: instance values range from 1 to 50.
    public static let maxInstance = 50
}

struct ARCSet {
    var instance: Int
    var results: DKIMHeaderField
    var messageSignature: DKIMHeaderField
    var seal: DKIMHeaderField
    var sealTags: DKIMTagList
    var signatureTags: DKIMTagList
}

enum ARCChainError: Error, CustomStringConvertible {
    case malformed(String)
    var description: String { if case .malformed(let detail) = self { detail } else { "" } }
}

enum ARCChain {
    static let resultsName = "ARC-Authentication-Results"
    static let signatureName = "ARC-Message-Signature"
    static let sealName = "ARC-Seal"

    /// True when the message carries any ARC field.
    static func hasARC(_ message: DKIMMessage) -> Bool {
        message.headers.contains { $0.hasName(resultsName) || $0.hasName(signatureName) || $0.hasName(sealName) }
    }

    /// §5.2 steps 1 and 3A-3B: exactly one AAR, AMS and AS per instance, instances 1...N with no
    /// gap or repetition, N at most 50. Sets are returned in instance order.
    static func sets(of message: DKIMMessage) throws(ARCChainError) -> [ARCSet] {
        var results: [Int: DKIMHeaderField] = [:], signatures: [Int: (DKIMHeaderField, DKIMTagList)] = [:]
        var seals: [Int: (DKIMHeaderField, DKIMTagList)] = [:]
        for field in message.headers {
            if field.hasName(resultsName) {
                let instance = try resultsInstance(field.rawValue)
                guard results.updateValue(field, forKey: instance) == nil else { throw .malformed("two \(resultsName) with i=\(instance)") }
            } else if field.hasName(signatureName) || field.hasName(sealName) {
                let tags: DKIMTagList
                do { tags = try DKIMTagList(parsing: field.rawValue) } catch { throw .malformed("\(field.name): \(error)") }
                guard let text = tags["i"], let instance = Int(text), (1...ARCLimits.maxInstance).contains(instance) else {
                    throw .malformed("\(field.name) without a valid i= (1-\(ARCLimits.maxInstance))")
                }
                if field.hasName(sealName) {
                    guard seals.updateValue((field, tags), forKey: instance) == nil else { throw .malformed("two \(sealName) with i=\(instance)") }
                } else {
                    guard signatures.updateValue((field, tags), forKey: instance) == nil else {
                        throw .malformed("two \(signatureName) with i=\(instance)")
                    }
                }
            }
        }
        let highest = max(results.keys.max() ?? 0, signatures.keys.max() ?? 0, seals.keys.max() ?? 0)
        var sets: [ARCSet] = []
        for instance in stride(from: 1, through: highest, by: 1) {
            guard let aar = results[instance], let ams = signatures[instance], let seal = seals[instance] else {
                throw .malformed("ARC set \(instance) is incomplete")
            }
            sets.append(ARCSet(instance: instance, results: aar, messageSignature: ams.0, seal: seal.0, sealTags: seal.1, signatureTags: ams.1))
        }
        return sets
    }

    /// §4.1.1: arc-info = instance [CFWS] ";" authres-payload, instance = "i" [FWS] "=" [FWS] 1*DIGIT.
    static func resultsInstance(_ value: ArraySlice<UInt8>) throws(ARCChainError) -> Int {
        let text = String(decoding: value, as: UTF8.self)
        guard let semicolon = text.firstIndex(of: ";") else { throw .malformed("\(resultsName) without an instance") }
        let spec = text[..<semicolon].filter { !$0.isWhitespace }
        guard spec.hasPrefix("i="), let instance = Int(spec.dropFirst(2)), (1...ARCLimits.maxInstance).contains(instance) else {
            throw .malformed("\(resultsName) with a bad instance \"\(spec)\"")
        }
        return instance
    }
}
