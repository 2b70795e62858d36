// The form in which a mail store keeps a summary: JSON with dates as seconds since 1970. One
// writer and one reader, so everything that stores or reads summaries agrees on it.
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

    /// Reads a stored form back; nil when it is not one.
    public init?(storedForm data: Data) {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        guard let summary = try? decoder.decode(MessageSummary.self, from: data) else { return nil }
        self = summary
    }
}
