import Foundation
@testable import MailStore
import Testing

/// Body file names and hour shards are built without Foundation's string and calendar calls
/// (`BodyFileStore.store`); they must be the names those calls gave.
@Suite struct BodyFileNameTests {
    @Test func fileNameIsTheUUIDInLowercaseHexWithoutDashes() {
        for _ in 0..<200 {
            let uuid = UUID()
            #expect(BodyFileStore.fileName(uuid) == uuid.uuidString.lowercased().replacingOccurrences(of: "-", with: ""))
        }
    }

    @Test func shardNameIsTheUTCHourAsTheCalendarHasIt() {
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 951_782_400),  // 2000-02-29
                     Date(timeIntervalSince1970: 4_102_444_799.5), Date(timeIntervalSince1970: 1_798_761_599.999),
                     Date(timeIntervalSince1970: -1.5), Date()]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 { dates.append(Date(timeIntervalSince1970: Double.random(in: -2e9...2e10, using: &generator))) }
        for date in dates {
            #expect(BodyFileStore.shardName(date) == BodyFileStore.slowShardName(date), "\(date.timeIntervalSince1970)")
        }
    }

    @Test func storedBodiesAreReadRemovedAndSynced() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("bodies-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try BodyFileStore(root: root)
        let reference = try store.store(Array("hello".utf8))
        #expect(reference.path.count == 10 + 1 + 32)
        #expect(try store.read(reference) == Array("hello".utf8))
        try store.syncDirectories(of: [reference])
        #expect(FileManager.default.fileExists(atPath: store.url(for: reference).path))
        store.remove(reference)
        #expect(!FileManager.default.fileExists(atPath: store.url(for: reference).path))
    }
}
