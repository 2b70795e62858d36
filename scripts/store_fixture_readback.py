"""Reading a fixture's store back through the build that made it, where it has no IMAP (used by
make_store_fixture.py): its `hato ... list` tables, `hato mailbox export --format maildir`, and a
copy of its database for what none of its commands show."""
import hashlib, os, re, shutil, sqlite3, tempfile

LETTERS = {"D": "\\Draft", "F": "\\Flagged", "R": "\\Answered", "S": "\\Seen", "T": "\\Deleted"}  # Maildir info flags


def table(text):
    """A `hato ... list` table as dicts by column name."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    header = lines[0].split()
    return [dict(zip(header, line.split())) for line in lines[1:] if not line.startswith(";")]


def database_copy(build):
    """A copy of the database to read what no command of an old build shows (never the original)."""
    copy = tempfile.mkdtemp(prefix="hato-fixture-db-")
    for name in os.listdir(build.data):
        if name.startswith("hato.sqlite"):
            shutil.copy(os.path.join(build.data, name), copy)
    return sqlite3.connect(os.path.join(copy, "hato.sqlite")), copy


def export_snapshot(build, accounts):
    """Mailboxes without IMAP: `hato mailbox export --format maildir` for UIDs, UIDVALIDITY, flags,
    dates and bytes; the database copy for MODSEQs, UIDNEXT, subscriptions and expunged UIDs."""
    db, copy = database_copy(build)
    boxes = []
    for account in accounts:
        address = account["address"]
        for row in table(build.run("mailbox", "list", address)):
            name = row["NAME"]
            out = tempfile.mkdtemp(prefix="hato-fixture-export-")
            os.rmdir(out)
            build.run("mailbox", "export", address, name, "--format", "maildir", "--output", out)
            keywords = {}
            if os.path.exists(os.path.join(out, "dovecot-keywords")):
                for line in open(os.path.join(out, "dovecot-keywords")):
                    index, keyword = line.split()
                    keywords[chr(ord("a") + int(index))] = keyword
            (mailbox_id, uid_validity, uid_next, highest), = db.execute(
                "SELECT m.id, m.uid_validity, m.uid_next, m.highest_modseq FROM mailboxes m JOIN accounts a ON a.id = m.account_id "
                "WHERE a.address = ? AND m.name = ?", (address, name))
            box = {"account": address, "name": name, "uidValidity": uid_validity, "uidNext": uid_next, "highestModSeq": highest,
                   "subscribed": db.execute("SELECT COUNT(*) FROM subscriptions s JOIN accounts a ON a.id = s.account_id "
                                            "WHERE a.address = ? AND s.name = ?", (address, name)).fetchone()[0] == 1,
                   "vanished": [uid for (uid,) in db.execute("SELECT uid FROM expunged WHERE mailbox_id = ? ORDER BY uid", (mailbox_id,))],
                   "messages": []}
            for file in sorted(os.listdir(os.path.join(out, "cur"))):
                match = re.match(r"^(\d+)\.U(\d+)V(\d+)\..*,S=(\d+):2,(.*)$", file)
                assert match and int(match.group(3)) == uid_validity, file
                body = open(os.path.join(out, "cur", file), "rb").read()
                uid = int(match.group(2))
                (modseq,), = db.execute("SELECT modseq FROM messages WHERE mailbox_id = ? AND uid = ?", (mailbox_id, uid))
                flags = [LETTERS.get(letter) or keywords[letter] for letter in match.group(5)]
                box["messages"].append({"uid": uid, "modSeq": modseq, "flags": sorted(flags), "size": int(match.group(4)),
                                        "internalDate": int(match.group(1)), "sha256": hashlib.sha256(body).hexdigest()})
            box["messages"].sort(key=lambda m: m["uid"])
            shutil.rmtree(out)
            boxes.append(box)
    db.close()
    shutil.rmtree(copy)
    return {"mailboxes": sorted(boxes, key=lambda b: (b["account"], b["name"]))}


def queue_snapshot(build):
    """`hato queue list` and `hato queue show`; the body's hash from the database copy."""
    db, copy = database_copy(build)
    entries = []
    for row in table(build.run("queue", "list")):
        shown = build.run("queue", "show", row["ID"])
        fields = dict(line.split(": ", 1) for line in shown.splitlines() if ": " in line and not line.startswith((" ", "to:")))
        recipients = [dict(address=m.group(1), state=m.group(2), attempts=int(m.group(3)))
                      for m in re.finditer(r"^to: (\S+) state=(\S+) attempts=(\d+)", shown, re.M)]
        (path,), = db.execute("SELECT body_path FROM queue_messages WHERE id = ?", (int(row["ID"]),))
        body = open(os.path.join(build.data, "messages", path), "rb").read()
        entries.append({"id": row["ID"], "from": fields["from"], "size": int(fields["size"]), "recipients": recipients,
                        "bodySHA256": hashlib.sha256(body).hexdigest()})
    db.close()
    shutil.rmtree(copy)
    return entries
