#!/usr/bin/env python3
"""CPU seconds (user + system) a process and all its descendants have used, including
children they have already waited for (cutime/cstime, proc(5)): Dovecot's imap processes
end at LOGOUT and are reaped by the master, so their time stays counted.

    scripts/proc_tree_cpu.py PID
"""
import os
import sys


def stat(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # after the command: state ppid ... utime(12) stime(13) cutime(14) cstime(15), 0-based from state
    return int(fields[1]), sum(int(fields[i]) for i in (11, 12, 13, 14))


def tree_ticks(root):
    parents, ticks = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)], ticks[int(entry)] = stat(int(entry))
            except (OSError, IndexError, ValueError):
                pass  # ended while we looked
    total, members = 0, {root}
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in members and pid not in members:
                members.add(pid)
                changed = True
    for pid in members:
        total += ticks.get(pid, 0)
    return total


def seconds(root):
    return tree_ticks(root) / os.sysconf("SC_CLK_TCK")


def over_window(root, start_at, deadline):
    """The CPU seconds `root`'s tree used between two time.time() instants still ahead."""
    import time
    time.sleep(max(0.0, start_at - time.time()))
    before = seconds(root)
    time.sleep(max(0.0, deadline - time.time()))
    return seconds(root) - before


if __name__ == "__main__":
    print("%.3f" % (tree_ticks(int(sys.argv[1])) / os.sysconf("SC_CLK_TCK")))
