#!/usr/bin/env python3
"""SMTP load generator: N messages of SIZE bytes over C concurrent connections.

Each connection sends its share of the messages one transaction after another (MAIL, RCPT,
DATA on the same connection, as a busy MX peer does), with a fresh connection every
--per-connection messages. A message counts once the server has answered 250 to the end of
DATA, which for Hato means the message is durably in the mailbox (docs/smtp.md) and for
Postfix that it is durably in its queue; scripts/bench-smtp.sh also waits for Postfix's
local delivery.

Prints one JSON object: messages, seconds, messages_per_second, latency percentiles (ms)
of the DATA transaction (MAIL FROM to the final 250), failures.
"""
import argparse
import asyncio
import json
import os
import statistics
import sys
import time


def make_message(size: int, index: int, sender: str, recipient: str) -> bytes:
    header = (
        f"From: Load <{sender}>\r\n"
        f"To: <{recipient}>\r\n"
        f"Subject: load test message {index}\r\n"
        f"Message-ID: <load-{index}-{os.getpid()}@bench.invalid>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n"
        "\r\n"
    ).encode()
    line = b"The quick brown fox jumps over the lazy dog 0123456789 abcdefghij\r\n"
    body = bytearray()
    while len(header) + len(body) < size:
        body += line
    return header + bytes(body[: max(0, size - len(header))]).rstrip(b"\r\n") + b"\r\n"


class SMTPError(Exception):
    pass


async def read_reply(reader: asyncio.StreamReader) -> tuple[int, str]:
    lines = []
    while True:
        line = await reader.readline()
        if not line:
            raise SMTPError("connection closed")
        lines.append(line.decode(errors="replace").rstrip())
        if len(line) < 4 or line[3:4] != b"-":
            return int(line[:3]), "\n".join(lines)


async def expect(reader, code: int, what: str):
    got, text = await read_reply(reader)
    if got != code:
        raise SMTPError(f"{what}: expected {code}, got {text}")


async def worker(args, queue: asyncio.Queue, latencies: list, failures: list):
    reader = writer = None
    sent_on_connection = 0
    while True:
        try:
            index = queue.get_nowait()
        except asyncio.QueueEmpty:
            break
        try:
            if writer is None or sent_on_connection >= args.per_connection:
                if writer is not None:
                    writer.write(b"QUIT\r\n")
                    await writer.drain()
                    writer.close()
                reader, writer = await asyncio.open_connection(args.host, args.port)
                await expect(reader, 220, "greeting")
                writer.write(f"EHLO {args.helo}\r\n".encode())
                await expect(reader, 250, "EHLO")
                sent_on_connection = 0
            sender = args.sender
            if args.new_domain_per_message:
                # A sender domain never seen before: nothing of its SPF/DMARC is cached.
                local, _, domain = sender.partition("@")
                sender = f"{local}@m{index}-{os.getpid()}.{domain}"
            message = make_message(args.size, index, sender, args.recipient)
            started = time.perf_counter()
            writer.write(f"MAIL FROM:<{sender}>\r\n".encode())
            await expect(reader, 250, "MAIL")
            writer.write(f"RCPT TO:<{args.recipient}>\r\n".encode())
            await expect(reader, 250, "RCPT")
            writer.write(b"DATA\r\n")
            await expect(reader, 354, "DATA")
            writer.write(message.replace(b"\r\n.", b"\r\n..") + b".\r\n")
            await expect(reader, 250, "end of data")
            latencies.append((time.perf_counter() - started) * 1000)
            sent_on_connection += 1
        except (OSError, SMTPError) as error:
            failures.append(str(error))
            if writer is not None:
                writer.close()
            writer = None
    if writer is not None:
        try:
            writer.write(b"QUIT\r\n")
            await writer.drain()
            writer.close()
        except OSError:
            pass


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, int(round(p / 100 * (len(ordered) - 1)))))
    return round(ordered[k], 2)


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("-n", "--messages", type=int, default=2000)
    parser.add_argument("-c", "--concurrency", type=int, default=16)
    parser.add_argument("--size", type=int, default=10240, help="message size in bytes (default 10 KB)")
    parser.add_argument("--per-connection", type=int, default=50, help="messages per connection before reconnecting")
    parser.add_argument("--sender", default="load@sender.invalid")
    parser.add_argument("--new-domain-per-message", action="store_true",
                        help="each message from a new subdomain of --sender's domain (as an MX sees)")
    parser.add_argument("--recipient", required=True)
    parser.add_argument("--helo", default="load.bench.invalid")
    parser.add_argument("--label", default="")
    args = parser.parse_args()

    queue: asyncio.Queue = asyncio.Queue()
    for i in range(args.messages):
        queue.put_nowait(i)
    latencies: list = []
    failures: list = []
    started = time.perf_counter()
    await asyncio.gather(*(worker(args, queue, latencies, failures) for _ in range(args.concurrency)))
    elapsed = time.perf_counter() - started
    result = {
        "label": args.label,
        "messages": len(latencies),
        "failures": len(failures),
        "first_failure": failures[0] if failures else None,
        "concurrency": args.concurrency,
        "size": args.size,
        "seconds": round(elapsed, 3),
        "messages_per_second": round(len(latencies) / elapsed, 1) if elapsed > 0 else None,
        "latency_ms": {
            "p50": percentile(latencies, 50),
            "p90": percentile(latencies, 90),
            "p99": percentile(latencies, 99),
            "mean": round(statistics.fmean(latencies), 2) if latencies else None,
        },
    }
    print(json.dumps(result))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
