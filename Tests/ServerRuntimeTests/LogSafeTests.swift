import ServerRuntime
import Testing

@Suite struct LogSafeTests {
    @Test func controlCharactersQuotesAndNonASCIIAreEscaped() {
        #expect(LogSafe.escaped("alice@example.test") == "alice@example.test")
        #expect(LogSafe.escaped("a\r\nb\u{1B}[2J\u{0}\u{7F}\u{85}") == #"a\x0D\x0Ab\x1B[2J\x00\x7F\x85"#)
        #expect(LogSafe.escaped(#"say "hi" \ bye"#) == #"say \"hi\" \\ bye"#)
        #expect(LogSafe.escaped("日本\u{202E}") == #"\u{65E5}\u{672C}\u{202E}"#)
        #expect(LogSafe.escaped(Optional<String>.none) == "-")
    }

    /// Capped at 200 characters plus an ellipsis, never in the middle of an escape.
    @Test func longValuesAreCut() {
        #expect(LogSafe.escaped(String(repeating: "x", count: 5000)) == String(repeating: "x", count: 200) + "…")
        let cut = LogSafe.escaped(String(repeating: "x", count: 198) + "\r\n")
        #expect(cut == String(repeating: "x", count: 198) + "…")
        #expect(LogSafe.escaped(String(repeating: "x", count: 200)) == String(repeating: "x", count: 200))
    }
}
