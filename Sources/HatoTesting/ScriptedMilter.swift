import Foundation

/// A milter written with purepythonmilter (PyPI), serving one behaviour on a unix socket in a
/// temp directory: the protocol's edge cases against a filter implementation nobody here wrote.
public final class ScriptedMilter: Sendable {
    public static let available = Python.hasModules("purepythonmilter")
    public static let required = Python.requiredInCI

    public let process: ChildProcess
    /// The unix socket it listens on (`unix:` + this in `[[milter]] socket`).
    public let socket: String

    /// Modes: edit, envelope, delete-all, quarantine, tempfail, reject-rcpt, die, slow, accept-early.
    public init(mode: String, directory: TemporaryDirectory) async throws {
        socket = directory.path + "/milter-\(mode).sock"
        process = try Python.start(Self.script, arguments: [mode, socket])
        try await process.waitFor(timeout: .seconds(60), "the scripted milter to listen") { out, _ in out.contains("ready") }
    }

    /// What the filter logged (its warnings and tracebacks), for failure messages.
    public var log: String { process.errorOutput }

    deinit { process.signal(SIGKILL) }

    static let script = #"""
import asyncio, logging, os, sys
logging.basicConfig(level=logging.WARNING)
from purepythonmilter import (PurePythonMilter, AppendHeader, ChangeHeader, InsertHeader, ReplaceBodyChunk, Continue,
                              Accept, TempFailWithCode, RejectWithCode, AddRecipient, RemoveRecipient, ChangeMailFrom)
from purepythonmilter.server.milterserver import MilterServer
from purepythonmilter.protocol.responses import AbstractManipulation
from purepythonmilter.protocol.payload import Payload

# purepythonmilter's own Quarantine class cannot be instantiated (no encode); SMFIR_QUARANTINE
# is a NUL-terminated reason (mfdef.h), sent among the end-of-message modifications.
class QuarantineReason(AbstractManipulation):
    response_char = b"q"
    def __init__(self, reason):
        self.reason = reason
    def encode(self):
        return Payload(b"q" + self.reason.encode() + b"\0")
mode, path = sys.argv[1], sys.argv[2]
seen = {}
connections = 0

async def on_mail_from(cmd) -> RejectWithCode | Continue:
    if mode == "per-command" and cmd.address == "spammer@remote.test":
        return RejectWithCode(primary_code=(5, 5, 0), enhanced_code=(5, 7, 1), text="sender blocked by policy")
    seen["from"] = cmd.address
    seen["i"] = cmd.macros.get("i", "")
    seen["mail_addr"] = cmd.macros.get("{mail_addr}", cmd.macros.get("mail_addr", ""))
    return Continue()

async def on_rcpt_to(cmd) -> RejectWithCode | Continue:
    seen.setdefault("rcpt", []).append(cmd.address)
    if mode == "reject-rcpt" or (mode == "per-command" and cmd.address == "bob@example.test"):
        return RejectWithCode(primary_code=(5, 5, 0), enhanced_code=(5, 1, 1), text="no such user here")
    return Continue()

async def on_body_chunk(cmd) -> Continue:
    seen["body"] = seen.get("body", 0) + len(cmd.data_raw)
    if mode == "die":
        os._exit(3)
    return Continue()

async def on_eom(cmd) -> Continue | TempFailWithCode:
    if mode == "slow":
        await asyncio.sleep(60)
    if mode == "tempfail":
        return TempFailWithCode(primary_code=(4, 5, 1), enhanced_code=(4, 7, 1), text="greylisted\r\n451 4.7.1 come back later")
    if mode == "envelope":
        # alice off, bob (local) and outsider (remote, relay on an MX listener) on, new sender.
        return Continue(manipulations=[
            RemoveRecipient(recipient="<alice@example.test>"),
            AddRecipient(recipient="<bob@example.test>"),
            AddRecipient(recipient="<outsider@elsewhere.test>"),
            ChangeMailFrom(mail_from="<bounces@example.test>"),
        ])
    if mode == "delete-all":
        return Continue(manipulations=[RemoveRecipient(recipient=r) for r in seen["rcpt"]])
    if mode == "per-command":
        return Continue(manipulations=[AppendHeader(headername="X-Milter-Connections", headertext=str(connections))])
    if mode == "quarantine":
        return Continue(manipulations=[QuarantineReason("looks odd")])
    if mode == "edit":
        return Continue(manipulations=[
            AppendHeader(headername="X-Seen", headertext=f"from={seen['from']} i={seen['i']} mail_addr={seen['mail_addr']} rcpt={','.join(seen['rcpt'])} body={seen.get('body', 0)}"),
            ChangeHeader(headername="Subject", headertext="[filtered] hello", nth_occurrence=1),
            ChangeHeader(headername="X-Drop", headertext="", nth_occurrence=1),
            InsertHeader(headername="X-Top", headertext="first", index=0),
            ReplaceBodyChunk(chunk=b"Replaced body.\r\n"),
        ])
    return Continue()

async def on_connect(cmd) -> Accept | Continue | RejectWithCode:
    global connections
    connections += 1
    if mode == "reject-connect":
        return RejectWithCode(primary_code=(5, 5, 4), enhanced_code=(5, 7, 1), text="your network is not welcome")
    return Accept() if mode == "accept-early" else Continue()

async def on_helo(cmd) -> Continue | RejectWithCode:
    if mode == "per-command" and cmd.hostname == "bad.example":
        return RejectWithCode(primary_code=(5, 5, 0), enhanced_code=(5, 7, 1), text="bad HELO name")
    return Continue()

milter = PurePythonMilter(name="scripted", hook_on_connect=on_connect, hook_on_helo=on_helo, hook_on_mail_from=on_mail_from, hook_on_rcpt_to=on_rcpt_to,
                          hook_on_body_chunk=on_body_chunk, hook_on_end_of_message=on_eom,
                          can_add_headers=True, can_change_headers=True, can_change_body=True, can_quarantine=True,
                          can_add_recipients=True, can_remove_recipients=True, can_change_mail_from=True)

async def main():
    server = MilterServer(app_factory=milter._get_factory())
    srv = await asyncio.start_unix_server(server.handle_connection, path)
    print("ready", flush=True)
    async with srv:
        await srv.serve_forever()

asyncio.run(main())
"""#
}

extension ScriptedMilter {
    /// `hato serve` with SMTP and POP3 on loopback, this filter as its one `[[milter]]`, and
    /// alice and bob at example.test (password "long enough pw").
    public func serve(in directory: TemporaryDirectory, defaultAction: String = "reject") async throws -> ServedHato {
        try await ServedHato.start("""
            [listen]
            smtp = ["127.0.0.1:0"]
            pop3 = ["127.0.0.1:0"]
            admin = ["127.0.0.1:0"]
            [accounts]
            scram_iterations = 4096
            [[milter]]
            name = "scripted"
            socket = "unix:\(socket)"
            default_action = "\(defaultAction)"
            eom_timeout = "60s"
            """, accounts: [("alice@example.test", "long enough pw"), ("bob@example.test", "long enough pw")], directory: directory)
    }
}
