import Foundation
import Testing
import MailCore

@Suite struct UUIDHexTests {
    /// The names made from `lowercaseHex` are the ones the Foundation string edit made before.
    @Test func lowercaseHexIsTheUUIDStringWithoutHyphensInLowerCase() throws {
        var uuids = (0..<2000).map { _ in UUID() }
        uuids.append(try #require(UUID(uuidString: "00000000-0000-0000-0000-000000000000")))
        uuids.append(try #require(UUID(uuidString: "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF")))
        uuids.append(try #require(UUID(uuidString: "0123456789ABCDEF0123456789ABCDEF".enumerated().reduce(into: "") { s, c in
            if [8, 12, 16, 20].contains(c.offset) { s.append("-") }
            s.append(c.element)
        })))
        for uuid in uuids {
            let expected = uuid.uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            #expect(uuid.lowercaseHex == expected)
            #expect(uuid.lowercaseHex.utf8.count == 32)
        }
    }
}
