/// A Python prelude that drives a mail dialog through `openssl s_client` (OpenSSL's own TLS
/// client) and reads the connection's RFC 9266 `tls-exporter` value as OpenSSL computes it
/// (`-keymatexport EXPORTER-Channel-Binding -keymatexportlen 32`). With the `scramp` client
/// (its tls-exporter name check lifted: scramp 1.5 knows the type but refuses it because Python's
/// ssl module cannot export keying material) this logs in with SCRAM -PLUS using values nobody
/// here computed.
///
///     peer = SClient(port, ["-starttls", "smtp"])   # or [] for implicit TLS
///     peer.exporter                                  # 32 bytes, from OpenSSL
///     peer.send("EHLO x"); peer.reply(smtp_final)    # next line that ends an SMTP reply
public enum SClientDialog {
    public static let prelude = #"""
import base64, re, subprocess, sys

def b64(data):
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()

def smtp_final(line):
    return re.match(r"^\d{3} ", line) is not None

def smtp_any(line):
    return re.match(r"^\d{3}[ -]", line) is not None

def pop3_reply(line):
    return line.startswith("+OK") or line.startswith("-ERR") or line.startswith("+ ") or line == "+"

class SClient:
    def __init__(self, port, extra):
        self.process = subprocess.Popen(
            ["openssl", "s_client", "-connect", "127.0.0.1:" + str(port), "-crlf", "-ign_eof", "-nocommands",
             "-keymatexport", "EXPORTER-Channel-Binding", "-keymatexportlen", "32"] + extra,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.exporter = None
        self.version = None
        while self.exporter is None:
            line = self.process.stdout.readline().decode(errors="replace")
            if not line:
                raise SystemExit("s_client ended before printing the keying material")
            if line.startswith("New, TLSv"):
                self.version = line.split(",")[1].strip()
            if "Keying material:" in line:
                self.exporter = bytes.fromhex(line.split(":", 1)[1].strip())

    def send(self, text):
        self.process.stdin.write((text + "\n").encode())
        self.process.stdin.flush()

    def reply(self, done, collect=None):
        while True:
            raw = self.process.stdout.readline()
            if not raw:
                raise SystemExit("connection closed while waiting for a reply")
            line = raw.decode(errors="replace").rstrip("\r\n")
            if collect is not None and smtp_any(line):
                collect.append(line)
            if done(line):
                return line

    def close(self):
        # -ign_eof keeps s_client running after stdin ends: stop it.
        self.process.stdin.close()
        self.process.kill()
        self.process.wait(timeout=30)

def scram_login(peer, mechanism, user, password, command, done, challenge_prefix, exporter=None):
    """AUTH with SCRAM over `peer`; returns (final reply line, server signature verified)."""
    import scramp.core as scramp_core
    from scramp import ScramClient
    scramp_core.CbName.SUPPORTED_TYPES = scramp_core.CbName.SUPPORTED_TYPES | {"tls-exporter"}
    scramp_core.CbName.UNSUPPORTED_TYPES = frozenset()
    binding = ("tls-exporter", exporter if exporter is not None else peer.exporter) if mechanism.endswith("-PLUS") else None
    client = ScramClient([mechanism], user, password, channel_binding=binding)
    peer.send(command + " " + mechanism + " " + b64(client.get_client_first()))
    line = peer.reply(done)
    if not line.startswith(challenge_prefix):
        return line, False
    client.set_server_first(base64.b64decode(line[len(challenge_prefix):]).decode())
    peer.send(b64(client.get_client_final()))
    line = peer.reply(done)
    if not line.startswith(challenge_prefix):
        return line, False
    server_final = base64.b64decode(line[len(challenge_prefix):]).decode()
    verified = False
    if server_final.startswith("v="):
        client.set_server_final(server_final)
        verified = True
    peer.send("")
    return peer.reply(done) + ("" if verified else " [" + server_final + "]"), verified

"""#
}
