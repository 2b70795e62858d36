// The form in which a mail store keeps a summary: JSON with dates as seconds since 1970. One
// writer and one reader (both hand-written, each tested against Foundation's JSON coders), so
// everything that stores or reads summaries agrees on it.
import Foundation

extension MessageSummary {
    /// The stored form (written by `handWrittenStoredForm`, the same JSON as `foundationStoredForm`).
    public func storedForm() -> Data? {
        handWrittenStoredForm().map { Data($0) }
    }

    /// The stored form as Foundation's JSONEncoder writes it: the reference the hand-written
    /// encoder is tested against.
    public func foundationStoredForm() -> Data? {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        return try? encoder.encode(self)
    }

    /// Reads a stored form back (SummaryJSONReader, by hand); nil when it is not one.
    public init?(storedForm data: Data) {
        guard let summary = try? data.withUnsafeBytes({ raw in
            try SummaryJSONReader.read(raw.bindMemory(to: UInt8.self)) { try MessageSummary.readStoredForm(&$0) }
        }) else { return nil }
        self = summary
    }

    /// Reads a stored form back with Foundation's JSONDecoder: the reference the hand-written
    /// reader is tested against.
    public init?(foundationStoredForm data: Data) {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        guard let summary = try? decoder.decode(MessageSummary.self, from: data) else { return nil }
        self = summary
    }
}
