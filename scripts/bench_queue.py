"""Outbound queue throughput: messages per second from Hato's queue to a local SMTP sink.

Sets up a throwaway data directory, a DNS responder that points the MX of bench.test at
127.0.0.1, and `hato serve` whose [delivery] mx_port is a port where nothing listens yet. N
messages are submitted (submission + STARTTLS + AUTH); their first attempt fails (connection
refused) and they wait. Then an aiosmtpd sink starts on that port and `hato queue flush` makes
everything due: the rate is (N - 1) / (time of the last message at the sink - time of the first),
so submission speed and the poll delay do not count.

usage: python3 scripts/bench_queue.py HATO_BINARY [N]
"""
import asyncio, json, os, shutil, smtplib, socket, ssl, subprocess, sys, tempfile, threading, time

import dns.message, dns.rdatatype, dns.rrset
from aiosmtpd.controller import Controller

hato = os.path.abspath(sys.argv[1])
total = int(sys.argv[2]) if len(sys.argv) > 2 else 2000


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port


def dns_responder(sock):
    zone = {("bench.test.", "MX"): "10 mx.bench.test.", ("mx.bench.test.", "A"): "127.0.0.1"}
    while True:
        data, peer = sock.recvfrom(4096)
        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        question = query.question[0]
        key = (question.name.to_text(), dns.rdatatype.to_text(question.rdtype))
        if key in zone:
            response.answer.append(dns.rrset.from_text(question.name, 300, "IN", key[1], zone[key]))
        sock.sendto(response.to_wire(), peer)


class Sink:
    def __init__(self): self.times = []
    async def handle_DATA(self, server, session, envelope):
        self.times.append(time.monotonic()); return "250 2.0.0 OK"


work = tempfile.mkdtemp(prefix="hato-bench-queue-")
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind(("127.0.0.1", 0))
threading.Thread(target=dns_responder, args=(udp,), daemon=True).start()
sink_port, submission_port = free_port(), free_port()
config = os.path.join(work, "hato.toml")
open(config, "w").write(f"""
hostname = "mail.example.test"
data_dir = "data"
[listen]
submission = ["127.0.0.1:{submission_port}"]
[accounts]
scram_iterations = 4096
[dns]
servers = ["127.0.0.1:{udp.getsockname()[1]}"]
[delivery]
mx_port = {sink_port}
retry_initial = "1h"
poll_interval = "1s"
[log]
level = "warning"
""")
run = lambda *args, **kw: subprocess.run([hato, *args, "--config", config], check=True, capture_output=True, **kw)
run("domain", "add", "example.test")
run("account", "add", "alice@example.test", "--password-stdin", input=b"bench password\n")
server = subprocess.Popen([hato, "serve", "--config", config], stdout=subprocess.PIPE, stderr=open(os.path.join(work, "serve.log"), "w"))
while b"submission" not in server.stdout.readline(): pass

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
smtp = smtplib.SMTP("127.0.0.1", submission_port); smtp.starttls(context=ctx); smtp.login("alice@example.test", "bench password")
filler = ("x" * 76 + "\r\n") * 26  # about 2 KB in lines a sink accepts (RFC 5321 §4.5.3.1.6)
for n in range(total):
    message = f"From: alice@example.test\r\nTo: user{n % 50}@bench.test\r\nSubject: bench {n}\r\n\r\n{filler}"
    smtp.sendmail("alice@example.test", [f"user{n % 50}@bench.test"], message.encode())
smtp.quit()
time.sleep(2)  # let the first attempts fail and defer

sink = Sink()
controller = Controller(sink, hostname="127.0.0.1", port=sink_port); controller.start()
started = time.monotonic()
run("queue", "flush")
deadline = started + 600
while len(sink.times) < total and time.monotonic() < deadline: time.sleep(0.05)
controller.stop(); server.terminate(); server.wait()
received_all = len(sink.times) >= total
shutil.rmtree(work) if received_all else print("kept", work, file=sys.stderr)
received = len(sink.times)
if received < 2:
    sys.exit(f"only {received} of {total} messages arrived")
span = sink.times[-1] - sink.times[0]
print(json.dumps({"messages": total, "received": received, "seconds_first_to_last": round(span, 3),
                  "messages_per_second": round((received - 1) / span, 1),
                  "seconds_from_flush": round(sink.times[-1] - started, 3)}))
