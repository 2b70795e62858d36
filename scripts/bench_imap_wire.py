"""A lean IMAP client for the load generators (scripts/bench-imap.py, bench_imap_sessions.py).

Python's imaplib parses every response with regular expressions and copies literals through a
file object; on a two-core machine four clients doing that took more CPU per operation than
either server under test, so the measured rate followed the load generator as much as the
server (docs/PERFORMANCE.md, "a cheaper load generator"). This client sends the same commands
on the wire as imaplib does (synchronizing literals for APPEND, one command at a time, no
pipelining) and keeps imaplib's call shapes for the subset the benchmarks use, so either can be
chosen (`--client imaplib|wire`): `(typ, data)` tuples, `select` answering the EXISTS count.
It reads responses with one buffer scan per line and skips literals by their length.

Only the standard library.
"""
import socket
import ssl


class WireError(Exception):
    pass


class Wire:
    def __init__(self, host, port, timeout=60, ssl_context=None):
        sock = socket.create_connection((host, port), timeout)
        if ssl_context is not None:
            sock = ssl_context.wrap_socket(sock, server_hostname=host)
        self.sock = sock
        self.buffer = bytearray()
        self.tagnum = 0
        self.readline()  # greeting

    # --- reading -----------------------------------------------------------------------------
    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise WireError("connection closed")
        self.buffer += chunk

    def readline(self):
        """One line with its CRLF; a literal announced at its end ({n}) is read and dropped,
        and the rest of the response line after it is joined on (as one logical line)."""
        out = b""
        while True:
            at = self.buffer.find(b"\r\n")
            while at < 0:
                self._fill()
                at = self.buffer.find(b"\r\n")
            line = bytes(self.buffer[:at + 2])
            del self.buffer[:at + 2]
            if line.endswith(b"}\r\n"):
                start = line.rfind(b"{")
                size = line[start + 1:-3].rstrip(b"+")
                if start >= 0 and size.isdigit():
                    need = int(size)
                    while len(self.buffer) < need:
                        self._fill()
                    del self.buffer[:need]
                    out += line[:start]
                    continue
            return out + line

    def _tagged(self, tag, collect=False):
        """Reads up to the tagged completion: (status, untagged lines if `collect`, tagged line).
        One scan over the buffer: no copy per line unless it is kept, literals skipped by their
        announced length (a FETCH of 100 flags lines costs a few microseconds, not a hundred)."""
        buf, pos, line_start = self.buffer, 0, True
        prefix = tag + b" "
        untagged = []
        while True:
            at = buf.find(b"\r\n", pos)
            if at < 0:
                self._fill()
                continue
            if at > pos and buf[at - 1] == 0x7D:  # "}": a literal follows this line
                start = buf.rfind(b"{", pos, at)
                size = bytes(buf[start + 1:at - 1]).rstrip(b"+") if start >= 0 else b""
                if size.isdigit():
                    end = at + 2 + int(size)
                    while len(buf) < end:
                        self._fill()
                    if collect and line_start:
                        untagged.append(bytes(buf[pos:start]))
                    pos, line_start = end, False  # the response line goes on after the literal
                    continue
            if line_start and buf.startswith(prefix, pos):
                line = bytes(buf[pos:at + 2])
                del buf[:at + 2]
                return line[len(prefix):].split(b" ", 1)[0].decode(), untagged, line
            if collect and line_start:
                untagged.append(bytes(buf[pos:at]))
            pos, line_start = at + 2, True

    # --- imaplib's shapes ---------------------------------------------------------------------
    def _new_tag(self):
        self.tagnum += 1
        return b"W%d" % self.tagnum

    def send(self, data):
        self.sock.sendall(data)

    def _simple(self, command, collect=False):
        tag = self._new_tag()
        self.sock.sendall(tag + b" " + command.encode() + b"\r\n")
        status, untagged, line = self._tagged(tag, collect)
        return status, (untagged if status == "OK" else [line])

    def login(self, user, password):
        typ, data = self._simple("LOGIN %s %s" % (quote(user), quote(password)))
        if typ != "OK":
            raise WireError("LOGIN failed: %r" % data)
        return typ, data

    def select(self, mailbox):
        typ, data = self._simple("SELECT %s" % mailbox, collect=True)
        if typ != "OK":
            return typ, data
        for line in data:
            parts = line.split()
            if len(parts) >= 3 and parts[2] == b"EXISTS":
                return typ, [parts[1]]
        return typ, [b"0"]

    def create(self, mailbox):
        return self._simple("CREATE %s" % mailbox)

    def fetch(self, message_set, items):
        return self._simple("FETCH %s %s" % (message_set, items))

    def store(self, message_set, command, flags):
        return self._simple("STORE %s %s %s" % (message_set, command, flags))

    def search(self, charset, *criteria):
        return self._simple("SEARCH " + " ".join(criteria))

    def expunge(self):
        return self._simple("EXPUNGE")

    def append(self, mailbox, flags, date_time, message):
        tag = self._new_tag()
        head = b"%s APPEND %s %s{%d}\r\n" % (tag, mailbox.encode(), (flags + " ").encode() if flags else b"",
                                             len(message))
        self.sock.sendall(head)
        while True:  # RFC 9051 §7.5: the continuation request, or a tagged refusal
            line = self.readline()
            if line.startswith(b"+"):
                break
            if line.startswith(tag + b" "):
                return "NO", [line]
        self.sock.sendall(message + b"\r\n")
        status, untagged, line = self._tagged(tag)
        return status, (untagged if status == "OK" else [line])

    def logout(self):
        try:
            self._simple("LOGOUT")
        except (WireError, OSError):
            pass
        self.sock.close()


def quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
