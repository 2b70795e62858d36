#!/usr/bin/env python3
"""Many large messages at once: C connections each send one message of SIZE bytes at the same
time, while the server's resident memory is sampled from /proc/PID/status every 100 ms.

Every connection sends the same body (one copy in this process) behind its own header, in
1 MiB writes, so the load generator itself stays small. Prints one JSON object: messages
accepted, failures, seconds, peak RSS of the server (sampled) and its VmHWM at the end.
"""
import argparse
import asyncio
import json
import time


def rss_kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


async def reply(reader) -> str:
    while True:
        line = await reader.readline()
        if not line:
            raise ConnectionError("closed")
        if len(line) < 4 or line[3:4] != b"-":
            return line.decode(errors="replace").rstrip()


async def send(port: int, recipient: str, index: int, body: memoryview) -> str:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        await reply(reader)
        for command in (b"EHLO load.bench.invalid", b"MAIL FROM:<load@bench.invalid>", f"RCPT TO:<{recipient}>".encode(), b"DATA"):
            writer.write(command + b"\r\n")
            await writer.drain()
            answer = await reply(reader)
            if answer[:1] not in ("2", "3"):
                return answer
        writer.write(f"Subject: spool load {index}\r\nMessage-ID: <spool-{index}@bench.invalid>\r\n\r\n".encode())
        for offset in range(0, len(body), 1 << 20):
            writer.write(body[offset:offset + (1 << 20)])
            await writer.drain()
        writer.write(b".\r\n")
        await writer.drain()
        answer = await reply(reader)
        writer.write(b"QUIT\r\n")
        await writer.drain()
        return answer
    finally:
        writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--recipient", required=True)
    parser.add_argument("-c", type=int, default=200)
    parser.add_argument("--size", type=int, default=25 * 1000 * 1000)
    options = parser.parse_args()
    line = b"The quick brown fox jumps over the lazy dog 0123456789 abcdefghij\r\n"
    body = memoryview((line * (options.size // len(line) + 1))[: options.size - 2] + b"\r\n")
    peak = 0
    done = False

    async def sample():
        nonlocal peak
        while not done:
            peak = max(peak, rss_kib(options.pid, "VmRSS"))
            await asyncio.sleep(0.1)

    sampler = asyncio.create_task(sample())
    started = time.monotonic()
    answers = await asyncio.gather(*(send(options.port, options.recipient, i, body) for i in range(options.c)), return_exceptions=True)
    seconds = time.monotonic() - started
    done = True
    await sampler
    accepted = sum(1 for a in answers if isinstance(a, str) and a.startswith("250"))
    failures = [str(a) for a in answers if not (isinstance(a, str) and a.startswith("250"))]
    print(json.dumps({
        "connections": options.c, "size": options.size, "accepted": accepted, "failures": failures[:5],
        "seconds": round(seconds, 1), "peak_rss_mib": round(peak / 1024, 1),
        "vmhwm_mib": round(rss_kib(options.pid, "VmHWM") / 1024, 1),
    }))


asyncio.run(main())
