import Foundation
import MailStore
import Testing

/// Flag names compared without regard to case: ASCII byte by byte, anything else as before.
@Suite struct SystemFlagNameTests {
    @Test func namesAsFoundationComparesThem() {
        let names = ["\\Seen", "\\SEEN", "\\seen", "\\sEeN", "\\Deleted", "\\deleted", "\\Draft", "\\Answered", "\\Flagged",
                     "\\Recent", "\\Seen2", "\\See", "Seen", "\\", "", "\\ſeen", "\\Seén", "\\Se\u{0301}en", "\\Sééén", "$Seen",
                     "\\S[en", "\\Se@n"]
        for name in names {
            let expected = SystemFlags.all.first(where: { $0.1.caseInsensitiveCompare(name) == .orderedSame })?.0
            #expect(SystemFlags.named(name) == expected, "\(name)")
        }
    }

    @Test func namesOfSystemFlagsAlone() {
        for bits in 0..<32 {
            let flags = MessageFlags(system: SystemFlags(rawValue: bits))
            #expect(flags.names == SystemFlags.all.filter { flags.system.contains($0.0) }.map(\.1))
        }
    }
}
