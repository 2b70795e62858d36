"""Reads a running Hato through its own listeners, the way a user's client sees it.

Used twice with the same code: by scripts/make_store_fixture.py against the old build that made a
fixture (its answers become the fixture's manifest.json) and by StoreUpgradeTests against the
current build opening a copy of that fixture (its answers must equal the manifest).

  python3 store_probe.py snapshot IMAPS_PORT ACCOUNTS_JSON   mailboxes, UIDs, MODSEQs, flags, bodies
  python3 store_probe.py logins IMAPS SUBMISSIONS POP3S ACCOUNTS_JSON   every login path, per account

ACCOUNTS_JSON is a list of {"address": ..., "password": ...}. Output is JSON on stdout.
Only the standard library, plus scramp (PyPI) for SCRAM-SHA-256.
"""
import base64, datetime, hashlib, imaplib, json, poplib, re, smtplib, ssl, sys

HOST = "127.0.0.1"


def tls():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


# RFC 3501 §5.1.3 modified UTF-7 for mailbox names.
def utf7_encode(name):
    out, pending = [], []

    def flush():
        if pending:
            data = "".join(pending).encode("utf-16-be")
            out.append("&" + base64.b64encode(data).decode().rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)


def utf7_decode(name):
    def decode(match):
        text = match.group(1)
        if text == "":
            return "&"
        text = text.replace(",", "/")
        return base64.b64decode(text + "=" * (-len(text) % 4)).decode("utf-16-be")

    return re.sub(r"&([^-]*)-", decode, name)


def quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def plain(user, password):
    return b"\0" + user.encode() + b"\0" + password.encode()


def imap_login(port, user, password):
    imap = imaplib.IMAP4_SSL(HOST, port, ssl_context=tls())
    imap.authenticate("PLAIN", lambda _: plain(user, password))
    return imap


LIST_LINE = re.compile(rb'^\((?P<attrs>[^)]*)\) (?:"[^"]*"|NIL) (?P<name>.+)$')


def mailbox_names(imap, command="LIST"):
    typ, lines = imap._simple_command(command, '""', '"*"')
    assert typ == "OK", (command, lines)
    names = []
    for line in imap.untagged_responses.pop(command, []):
        if line is None:
            continue
        match = LIST_LINE.match(line)
        assert match, line
        # A \Noselect or \NonExistent name is a placeholder for the names below it (RFC 9051
        # §6.3.5; listed since the \Noselect change): no mailbox, nothing stored to compare.
        attrs = match.group("attrs").lower()
        if b"\\noselect" in attrs or b"\\nonexistent" in attrs:
            continue
        raw = match.group("name").decode()
        if raw.startswith('"'):
            raw = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        names.append(utf7_decode(raw))
    return names


def fetch_items(data):
    """imaplib's FETCH answer as (metadata bytes, literal) per message, whatever the item order."""
    items, current = [], None
    for part in data:
        if isinstance(part, tuple):
            if current:
                items.append(current)
            current = [part[0], part[1]]
        elif current is not None and part is not None:
            current[0] += part
    if current:
        items.append(current)
    return items


def internal_date(text):
    return int(datetime.datetime.strptime(text.strip(), "%d-%b-%Y %H:%M:%S %z").timestamp())


def mailbox_snapshot(imap, account, name, subscribed):
    imap.untagged_responses.clear()
    typ, data = imap.select(quote(utf7_encode(name)), readonly=True)
    assert typ == "OK", (name, data)
    exists = int(data[0])

    def code(name):
        return int(imap.untagged_responses.pop(name)[-1].split()[0])

    box = {"account": account, "name": name, "subscribed": name in subscribed, "uidValidity": code("UIDVALIDITY"),
           "uidNext": code("UIDNEXT"), "highestModSeq": code("HIGHESTMODSEQ"), "messages": [], "vanished": []}
    if exists:
        typ, data = imap.uid("FETCH", "1:*", "(UID FLAGS MODSEQ INTERNALDATE RFC822.SIZE BODY.PEEK[])")
        assert typ == "OK", data
        for meta, body in fetch_items(data):
            text = meta.decode("utf-8", "replace")
            flags = re.search(r"FLAGS \(([^)]*)\)", text).group(1).split()
            box["messages"].append({
                "uid": int(re.search(r"UID (\d+)", text).group(1)),
                "modSeq": int(re.search(r"MODSEQ \((\d+)\)", text).group(1)),
                "flags": sorted(f for f in flags if f != "\\Recent"),
                "size": int(re.search(r"RFC822\.SIZE (\d+)", text).group(1)),
                "internalDate": internal_date(re.search(r'INTERNALDATE "([^"]+)"', text).group(1)),
                "sha256": hashlib.sha256(body).hexdigest(),
            })
        box["messages"].sort(key=lambda m: m["uid"])
    # RFC 7162 §3.2.6: expunged UIDs the store remembers, with QRESYNC's VANISHED (EARLIER).
    imap.untagged_responses.pop("VANISHED", None)
    typ, data = imap.uid("FETCH", "1:*", "(UID) (CHANGEDSINCE 1 VANISHED)")
    assert typ == "OK", data
    for line in imap.untagged_responses.pop("VANISHED", []):
        match = re.match(rb"\(EARLIER\) (\S+)", line)
        for piece in match.group(1).decode().split(","):
            low, _, high = piece.partition(":")
            box["vanished"].extend(range(int(low), int(high or low) + 1))
    box["vanished"].sort()
    return box


def snapshot(port, accounts):
    boxes = []
    for account in accounts:
        imap = imap_login(port, account["address"], account["password"])
        typ, data = imap.enable("QRESYNC")
        assert typ == "OK", data
        subscribed = set(mailbox_names(imap, "LSUB"))
        for name in sorted(mailbox_names(imap)):
            boxes.append(mailbox_snapshot(imap, account["address"], name, subscribed))
        imap.logout()
    return {"mailboxes": boxes}


def attempt(action):
    try:
        action()
        return "ok"
    except Exception as error:  # the answer a client got, for the report
        return "refused: " + " ".join(str(error).split())[:160]


def imap_scram(port, user, password):
    from scramp import ScramClient
    client = ScramClient(["SCRAM-SHA-256"], user, password)
    steps = []

    def respond(challenge):
        steps.append(challenge)
        if len(steps) == 1:
            return client.get_client_first().encode()
        if len(steps) == 2:
            client.set_server_first(challenge.decode())
            return client.get_client_final().encode()
        client.set_server_final(challenge.decode())  # raises unless the server proved its ServerKey
        return b""

    imap = imaplib.IMAP4_SSL(HOST, port, ssl_context=tls())
    imap.authenticate("SCRAM-SHA-256", respond)
    assert len(steps) == 3, "the server never sent its final message"
    imap.logout()


def imap_login_command(port, user, password):
    imap = imaplib.IMAP4_SSL(HOST, port, ssl_context=tls())
    if password.isascii():
        imap.login(user, password)
    else:  # imaplib sends LOGIN arguments as ASCII: send a UTF-8 literal by hand (RFC 9051 §6.2.3)
        imap.literal = password.encode()
        typ, data = imap._simple_command("LOGIN", quote(user))
        assert typ == "OK", data
    imap.logout()


def smtp_plain(port, user, password):
    smtp = smtplib.SMTP_SSL(HOST, port, context=tls())
    smtp.ehlo()
    code, text = smtp.docmd("AUTH", "PLAIN " + base64.b64encode(plain(user, password)).decode())
    smtp.quit()
    assert code == 235, (code, text)


def pop3_pass(port, user, password):
    pop = poplib.POP3_SSL(HOST, port, context=tls())
    pop.user(user)
    pop.pass_(password)
    pop.quit()


def logins(imaps, submissions, pop3s, accounts):
    report = {}
    for account in accounts:
        user, password = account["address"], account["password"]
        report[user] = {
            "imap SCRAM-SHA-256": attempt(lambda: imap_scram(imaps, user, password)),
            "imap LOGIN": attempt(lambda: imap_login_command(imaps, user, password)),
            "imap AUTHENTICATE PLAIN": attempt(lambda: imap_login(imaps, user, password).logout()),
            "smtp AUTH PLAIN": attempt(lambda: smtp_plain(submissions, user, password)),
            "pop3 USER/PASS": attempt(lambda: pop3_pass(pop3s, user, password)),
            "imap wrong password": attempt(lambda: imap_login(imaps, user, password + "x").logout()),
        }
    return report


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "snapshot":
        result = snapshot(int(sys.argv[2]), json.loads(sys.argv[3]))
    elif command == "logins":
        result = logins(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), json.loads(sys.argv[5]))
    else:
        sys.exit("unknown command " + command)
    print(json.dumps(result, indent=1, ensure_ascii=False, sort_keys=True))
