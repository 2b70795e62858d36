"""The kill campaign's peers: an outbound SMTP sink and a DNS server that routes to it.

Both run in the campaign's process and outlive every `hato serve` it kills, so what the sink
received is counted across restarts.
"""
import collections
import re
import socket
import struct
import threading

try:
    from aiosmtpd.controller import Controller
except ImportError:  # pragma: no cover - told to the operator
    raise SystemExit("the kill campaign needs aiosmtpd for its outbound sink: pip install aiosmtpd")

MARKER = re.compile(rb"^X-Campaign: (\S+)", re.MULTILINE | re.IGNORECASE)


class Sink:
    """An SMTP server that accepts everything and notes, per (marker, recipient), the round
    (server life) of each delivery: a duplicate within one round had no kill to excuse it."""

    def __init__(self):
        self.lock = threading.Lock()
        # (marker, recipient) -> the campaign round (server life) of each delivery
        self.deliveries = collections.defaultdict(list)
        self.round = 0
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port, enable_SMTPUTF8=True)
        self.controller.start()

    async def handle_DATA(self, server, session, envelope):
        match = MARKER.search(envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode())
        marker = match.group(1).decode() if match else "?"
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.deliveries[(marker, rcpt.lower())].append(self.round)
        return "250 2.0.0 OK"

    def received(self):
        """(marker, recipient) -> the rounds it arrived in, once per delivery."""
        with self.lock:
            return {key: list(rounds) for key, rounds in self.deliveries.items()}

    def stop(self):
        self.controller.stop()


class DNSServer:
    """UDP DNS for the campaign (RFC 1035 §4.1): A and MX for the names given, NODATA for their
    other types, NXDOMAIN for everything else (so SPF, DKIM and DMARC lookups end at once)."""

    A, MX = 1, 15

    def __init__(self, hosts):
        self.hosts = {name.lower().rstrip("."): address for name, address in hosts.items()}
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.running = True
        threading.Thread(target=self._serve, daemon=True).start()

    @staticmethod
    def encode_name(name):
        return b"".join(bytes([len(label)]) + label.encode() for label in name.split(".")) + b"\0"

    def answer(self, query):
        ident, flags = struct.unpack("!HH", query[:4])
        offset, labels = 12, []
        while query[offset]:
            length = query[offset]
            labels.append(query[offset + 1:offset + 1 + length].decode("ascii", "replace"))
            offset += 1 + length
        qtype, _ = struct.unpack("!HH", query[offset + 1:offset + 5])
        question = query[12:offset + 5]
        name = ".".join(labels).lower()
        answers = []
        if name in self.hosts:
            rcode = 0
            if qtype == self.A:
                answers.append((self.A, socket.inet_aton(self.hosts[name])))
            elif qtype == self.MX:
                answers.append((self.MX, struct.pack("!H", 10) + self.encode_name(name)))
        else:
            rcode = 3
        header = struct.pack("!HHHHHH", ident, 0x8000 | 0x0400 | (flags & 0x0100) | 0x0080 | rcode, 1, len(answers), 0, 0)
        records = b"".join(struct.pack("!HHHIH", 0xC00C, rtype, 1, 60, len(data)) + data for rtype, data in answers)
        return header + question + records

    def _serve(self):
        while self.running:
            try:
                query, peer = self.socket.recvfrom(4096)
                self.socket.sendto(self.answer(query), peer)
            except (OSError, IndexError, struct.error):
                continue

    def stop(self):
        self.running = False
        self.socket.close()
