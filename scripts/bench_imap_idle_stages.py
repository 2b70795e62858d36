"""Where an idle IMAP session's memory goes (issue 24): opens N connections to a running server
and moves them all forward one step at a time (connected and greeted, LOGIN, SELECT INBOX,
IDLE), measuring the server's PSS (scripts/bench-imap.py's memory_kib) after each step, so the
per-session cost of each step shows apart. Only the standard library.

    python3 scripts/bench_imap_idle_stages.py --port P --user U --password W --server-pid PID -n 1000
"""
import argparse
import asyncio
import importlib.util
import os

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("bench_imap", os.path.join(here, "bench-imap.py"))
bench_imap = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_imap)


async def until(reader, prefix):
    while True:
        line = await reader.readline()
        if not line:
            raise RuntimeError("closed")
        if line.startswith(prefix):
            return line


async def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--server-pid", type=int, required=True)
    p.add_argument("-n", type=int, default=1000)
    p.add_argument("--parallel", action="store_true", help="every session's LOGIN, SELECT and IDLE at once")
    args = p.parse_args()
    quoted = lambda s: s.replace("\\", "\\\\").replace('"', '\\"')
    steps = [
        ("connected", None, b"* "),
        ("logged in", 'a LOGIN "%s" "%s"\r\n' % (quoted(args.user), quoted(args.password)), b"a "),
        ("INBOX selected", "b SELECT INBOX\r\n", b"b "),
        ("in IDLE", "c IDLE\r\n", b"+"),
    ]
    await asyncio.sleep(1)
    previous = bench_imap.memory_kib(args.server_pid)
    print("server PSS at the start: %d KiB" % previous)
    sessions = []
    for name, command, reply in steps:
        async def step(index):
            if command is None:
                reader, writer = await asyncio.open_connection(args.host, args.port)
                sessions.append((reader, writer))
            else:
                reader, writer = sessions[index]
                writer.write(command.encode())
            await until(sessions[index][0] if command else reader, reply)
        # one session at a time: what a step leaves behind shows, not the peak of N at once
        # (use --parallel to see that too)
        if command is None or not args.parallel:
            for n in range(args.n):
                await step(n)
        else:
            await asyncio.gather(*(step(n) for n in range(args.n)))
        await asyncio.sleep(2)
        now = bench_imap.memory_kib(args.server_pid)
        print("%-15s %8d KiB  +%6.1f KiB per session for this step" % (name, now, (now - previous) / args.n))
        previous = now
    for reader, writer in sessions:
        writer.write(b"DONE\r\nd LOGOUT\r\n")
    await asyncio.sleep(1)
    for reader, writer in sessions:
        writer.close()


if __name__ == "__main__":
    asyncio.run(main())
