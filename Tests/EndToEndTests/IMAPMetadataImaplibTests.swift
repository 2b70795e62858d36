import Foundation
import HatoTesting
import Testing

/// RFC 5464 METADATA through Python's imaplib against `hato serve`, with the two limits set in
/// the configuration file (`limits.imap_metadata_max_size`, `limits.imap_metadata_max_entries`);
/// and a `\Noselect` placeholder (RFC 9051 §6.3.5) as imaplib lists it.
@Suite(.heavy) struct IMAPMetadataImaplibTests {
    @Test func imaplibSetsAndGetsMetadata() async throws {
        let served = try await ServedHato.start("""
            [listen]
            imap = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [limits]
            imap_metadata_max_size = 1024
            imap_metadata_max_entries = 10
            """, accounts: [("alice@example.test", "long enough pw")])
        let result = try await Python.run(#"""
            import imaplib, sys
            imaplib.Commands["GETMETADATA"] = ("AUTH", "SELECTED")
            imaplib.Commands["SETMETADATA"] = ("AUTH", "SELECTED")
            M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); M.login("alice@example.test", "long enough pw")
            caps = M.capability()[1][0].split(); print(b"METADATA" in caps, b"METADATA-SERVER" in caps)
            def get(*args):
                typ, data = M._simple_command("GETMETADATA", *args)
                print(typ, data, M._untagged_response(typ, data, "METADATA")[1])
            print(M._simple_command("SETMETADATA", "INBOX", '(/private/comment "My own comment" /shared/comment "Shared comment")'))
            get("INBOX", "(/shared/comment /private/comment)")
            print(M._simple_command("SETMETADATA", '""', '(/shared/comment "for the server")'))
            get('""', "/shared/comment")
            get("INBOX", "(MAXSIZE 5)", "/private/comment")
            print(M._simple_command("SETMETADATA", "INBOX", '(/private/big "' + "x" * 1025 + '")'))
            print(M._simple_command("SETMETADATA", "INBOX", "(" + " ".join('/private/n%d "v"' % i for i in range(8)) + ")"))
            print(M._simple_command("SETMETADATA", "INBOX", "(/private/comment NIL)"))
            get("INBOX", "/private/comment")
            M.create("Work/2026"); print(M.delete("Work"), M.list('""', "Work*")[1], M.select("Work")[0])
            M.logout()
            """#, arguments: [try served.port("imap")])
        // imaplib files a tagged reply's [METADATA ...] code under the same key as the untagged METADATA
        // responses, so the codes of earlier replies come back with the next GETMETADATA's entries.
        #expect(result.stdout == """
            True True
            ('OK', [b'SETMETADATA completed'])
            OK [b'GETMETADATA completed'] [b'INBOX (/shared/comment "Shared comment" /private/comment "My own comment")']
            ('OK', [b'SETMETADATA completed'])
            OK [b'GETMETADATA completed'] [b'"" (/shared/comment "for the server")']
            OK [b'[METADATA LONGENTRIES 14] GETMETADATA completed'] [b'LONGENTRIES 14']
            ('NO', [b'[METADATA MAXSIZE 1024] metadata value too large'])
            ('NO', [b'[METADATA TOOMANY] too many metadata entries'])
            ('OK', [b'SETMETADATA completed'])
            OK [b'GETMETADATA completed'] [b'MAXSIZE 1024', b'TOOMANY', b'INBOX (/private/comment NIL)']
            ('OK', [b'DELETE completed']) [b'(\\\\Noselect \\\\HasChildren) "/" Work', b'(\\\\HasNoChildren) "/" Work/2026'] NO

            """, "\(result.stdout) \(result.stderr)")
        await served.stop()
    }
}
