#!/usr/bin/env python3
"""CPU seconds (user + system; with --split, user and system apart) a process and all its descendants have used, including
children they have already waited for (cutime/cstime, proc(5)): Dovecot's imap processes
end at LOGOUT and are reaped by the master, so their time stays counted.

    scripts/proc_tree_cpu.py PID            # "12.345"
    scripts/proc_tree_cpu.py --split PID    # "7.890 4.455" (user, system)
"""
import os
import sys


def stat(pid, which=(11, 12, 13, 14)):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # after the command: state ppid ... utime(11) stime(12) cutime(13) cstime(14), 0-based from state
    return int(fields[1]), sum(int(fields[i]) for i in which)


USER, SYSTEM = (11, 13), (12, 14)


def tree_ticks(root, which=(11, 12, 13, 14)):
    parents, ticks = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)], ticks[int(entry)] = stat(int(entry), which)
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
    user, system = over_window_split(root, start_at, deadline)
    return user + system


def over_window_split(root, start_at, deadline):
    """User and system CPU seconds `root`'s tree used between two time.time() instants still ahead."""
    import time
    tick = os.sysconf("SC_CLK_TCK")
    time.sleep(max(0.0, start_at - time.time()))
    before = (tree_ticks(root, USER), tree_ticks(root, SYSTEM))
    time.sleep(max(0.0, deadline - time.time()))
    return ((tree_ticks(root, USER) - before[0]) / tick, (tree_ticks(root, SYSTEM) - before[1]) / tick)


if __name__ == "__main__":
    tick = os.sysconf("SC_CLK_TCK")
    if sys.argv[1] == "--split":
        pid = int(sys.argv[2])
        print("%.3f %.3f" % (tree_ticks(pid, USER) / tick, tree_ticks(pid, SYSTEM) / tick))
    else:
        print("%.3f" % (tree_ticks(int(sys.argv[1])) / tick))
