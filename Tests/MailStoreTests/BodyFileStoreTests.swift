import Foundation
import Testing
@testable import MailStore

@Suite struct BodyFileStoreTests {
    /// The hour directories are named as the Calendar-based code named them.
    @Test func shardNameIsTheUTCHour() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        func reference(_ date: Date) -> String {
            let c = calendar.dateComponents([.year, .month, .day, .hour], from: date)
            return String(format: "%04d%02d%02d%02d", c.year!, c.month!, c.day!, c.hour!)
        }
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 3599.999), Date(timeIntervalSince1970: 3600),
                     Date(timeIntervalSince1970: 951_782_400), Date(timeIntervalSince1970: 4_102_444_799.5), Date()]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 { dates.append(Date(timeIntervalSince1970: Double.random(in: 0..<4_200_000_000, using: &generator))) }
        for date in dates { #expect(BodyFileStore.shardName(date) == reference(date), "\(date.timeIntervalSince1970)") }
    }

    @Test func storedBodiesReadBackUnderTheirHour() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bodyfilestore-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try BodyFileStore(root: root)
        let before = BodyFileStore.shardName(Date())
        let references = try (0..<3).map { try store.store(Array("body \($0)\r\n".utf8)) }
        let after = BodyFileStore.shardName(Date())
        for (index, reference) in references.enumerated() {
            let parts = reference.path.split(separator: "/").map(String.init)
            #expect(parts.count == 2 && [before, after].contains(parts[0]) && parts[1].utf8.count == 32)
            #expect(try store.read(reference) == Array("body \(index)\r\n".utf8))
            #expect(FileManager.default.fileExists(atPath: store.url(for: reference).path))
        }
        #expect(Set(references.map(\.path)).count == 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("tmp").path).isEmpty)
        try store.syncDirectories(of: references)
    }
}
