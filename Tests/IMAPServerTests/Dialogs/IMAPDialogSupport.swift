import HatoTesting

/// Dialog tests: the real session on `ChannelDialog` (no socket), commands in, the lines the
/// client would read out.
extension ChannelDialog {
    /// A session of a fresh fixture, its greeting read.
    static func imap(_ fixture: IMAPFixture) async throws -> (ChannelDialog, greeting: String) {
        let dialog = try await ChannelDialog(fixture.server)
        return (dialog, try await dialog.line())
    }

    /// Sends `tag text` and CRLF; returns every line up to and including the tagged reply.
    func command(_ tag: String, _ text: String) async throws -> [String] {
        try await send("\(tag) \(text)\r\n")
        return try await tagged(tag)
    }

    /// The lines up to and including the reply tagged `tag`.
    func tagged(_ tag: String) async throws -> [String] {
        try await until { $0.hasPrefix(tag + " ") }
    }

    /// LOGIN as the fixture's user; returns the tagged reply.
    @discardableResult
    func login() async throws -> String {
        try await command("l1", "LOGIN \(IMAPFixture.user) \"\(IMAPFixture.password)\"").last!
    }
}
