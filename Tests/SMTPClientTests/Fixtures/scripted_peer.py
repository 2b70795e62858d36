"""A scripted SMTP peer for the SMTPClient tests, built on aiosmtpd (PyPI).

Usage: python3 scripted_peer.py CONFIG_JSON

Prints "PORT n" once listening on 127.0.0.1 (port 0), then one "EVENT {json}" line per message
received ({"mail_from", "rcpt_tos", "mail_options", "rcpt_options", "content_b64",
"pipelined", "tls"}) and per dropped DATA ({"dropped": true}). Runs until killed or stdin closes.

CONFIG keys (all optional):
  ehlo_remove: ["8BITMIME", "STARTTLS", ...]  keywords taken out of the EHLO reply
  ehlo_add:    ["PIPELINING", ...]             keywords added (PIPELINING is not aiosmtpd's own)
  size:        1000                            SIZE limit (default aiosmtpd's 32 MiB; null: not advertised)
  smtputf8:    true                            offer SMTPUTF8
  tls:         {"cert": path, "key": path}     offer STARTTLS with this certificate
  require_starttls: true                       refuse mail commands before STARTTLS
  auth:        {"user": u, "password": p}      require AUTH (PLAIN/LOGIN, only over TLS)
  auth_exclude: ["PLAIN"]                      mechanisms not offered
  replies:     {"MAIL": r, "RCPT": r, "RCPT:addr": r, "DATA": r, "EOD": r, "EHLO": r}
               r is a reply line, or a list used one per command (null there: normal handling)
  drop_in_data: true                           after 354, read one line and close the connection
"""
import asyncio
import base64
import json
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

config = json.loads(sys.argv[1])
replies = {key: (value if isinstance(value, list) else [value] * 1000) for key, value in config.get("replies", {}).items()}


def scripted(key):
    queue = replies.get(key)
    if not queue:
        return None
    return queue.pop(0)


def emit(event):
    print("EVENT " + json.dumps(event), flush=True)


class Handler:
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        reply = scripted("EHLO")
        if reply:
            return [reply]
        session.host_name = hostname
        remove = {k.upper() for k in config.get("ehlo_remove", [])}
        kept = [r for r in responses[:-1] if r[4:].split(" ")[0].upper() not in remove]
        added = ["250-" + k for k in config.get("ehlo_add", [])]
        return kept + added + [responses[-1]]

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        server.note_pipelining()
        reply = scripted("MAIL")
        if reply:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 2.1.0 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        server.note_pipelining()
        reply = scripted("RCPT:" + address) or scripted("RCPT")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = scripted("EOD")
        if reply:
            return reply
        emit({
            "mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
            "mail_options": envelope.mail_options, "rcpt_options": envelope.rcpt_options,
            "content_b64": base64.b64encode(envelope.original_content).decode(),
            "pipelined": server.pipelined_seen, "tls": server._tls_protocol is not None,
        })
        return "250 2.0.0 OK queued"


def authenticator(server, session, envelope, mechanism, auth_data):
    wanted = config["auth"]
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == wanted["user"] \
        and auth_data.password.decode() == wanted["password"]
    return AuthResult(success=ok, handled=False)


class ScriptedSMTP(SMTP):
    pipelined_seen = False

    def note_pipelining(self):
        # The client pipelined when the next command is already buffered before this one is answered.
        if self._reader is not None and len(self._reader._buffer) > 0:
            self.pipelined_seen = True

    async def smtp_DATA(self, arg):
        reply = scripted("DATA")
        if reply:
            await self.push(reply)
            return
        if config.get("drop_in_data") and self.envelope.rcpt_tos:
            await self.push("354 go ahead")
            await self._reader.readuntil(b"\r\n")
            emit({"dropped": True})
            self.transport.close()
            return
        await super().smtp_DATA(arg)


async def main():
    tls_context = None
    if "tls" in config:
        tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls_context.load_cert_chain(config["tls"]["cert"], config["tls"]["key"])
    size = config.get("size", 33554432)
    handler = Handler()
    kwargs = dict(
        decode_data=False, data_size_limit=size, enable_SMTPUTF8=config.get("smtputf8", False),
        hostname="peer.test", tls_context=tls_context, require_starttls=config.get("require_starttls", False),
    )
    if "auth" in config:
        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=True,
                      auth_exclude_mechanism=config.get("auth_exclude", []))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: ScriptedSMTP(handler, **kwargs), "127.0.0.1", 0)
    print("PORT %d" % server.sockets[0].getsockname()[1], flush=True)
    # Stop when the test closes our stdin (or kills us).
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


asyncio.run(main())
