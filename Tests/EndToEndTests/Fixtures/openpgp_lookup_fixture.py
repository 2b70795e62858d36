"""Keys, a Web Key Directory and OPENPGPKEY records for OpenPGPLookupServeTests, made by GnuPG and
OpenSSL (peers Hato did not write), the directory served over HTTPS by Python.

  openpgp_lookup_fixture.py make DIR    keys (GNUPGHOME in a short /tmp path, written to DIR/gnupghome),
                                        DIR/wkd/<domain>/hu/<hash> (hash from gpg-wks-client),
                                        DIR/<user>.dane (gpg --export-options export-dane),
                                        DIR/ca.pem + server certificate, DIR/dan-signed.eml,
                                        DIR/<user>.fpr and DIR/<user>.gpg (binary certificate)
  openpgp_lookup_fixture.py serve DIR   HTTPS on 127.0.0.1:0, prints the port; each request's
                                        "host path" goes to DIR/requests.log

Users: ann@wkd.example.org (advanced method: openpgpkey.wkd.example.org exists), dan@direct.example.org (direct method),
eve (a key whose only User ID is eve@other.example.org, served at wkd.example.org's hash of "eve"),
ola@dns.example.com (OPENPGPKEY in a signed zone), ivy@insecure.example.net (in an unsigned zone),
amy@direct.example.org (published nowhere: her key comes only in an Autocrypt field).
"""
import http.server, os, ssl, subprocess, sys, tempfile

def run(args, **kw):
    r = subprocess.run(args, capture_output=True, **kw)
    if r.returncode != 0:
        sys.exit("%s: %s" % (" ".join(args), r.stderr.decode()))
    return r.stdout

def make(d):
    home = tempfile.mkdtemp(prefix="hwkd", dir="/tmp")
    open(os.path.join(d, "gnupghome"), "w").write(home)
    env = dict(os.environ, GNUPGHOME=home)
    gpg = lambda *a: run(["gpg", "--batch", "--passphrase", ""] + list(a), env=env)
    users = {"ann": "Ann <ann@wkd.example.org>", "dan": "Dan <dan@direct.example.org>", "eve": "Eve <eve@other.example.org>",
             "ola": "Ola <ola@dns.example.com>", "ivy": "Ivy <ivy@insecure.example.net>",
             "amy": "Amy <amy@direct.example.org>"}
    for name, uid in users.items():
        gpg("--quick-gen-key", uid, "ed25519", "sign", "never")
        fpr = [l.split(":")[9] for l in gpg("--with-colons", "--list-keys", uid).decode().splitlines() if l.startswith("fpr:")][0]
        gpg("--quick-add-key", fpr, "cv25519", "encr", "never")
        open(os.path.join(d, name + ".fpr"), "w").write(fpr)
        open(os.path.join(d, name + ".gpg"), "wb").write(gpg("--export", fpr))
    fpr = lambda name: open(os.path.join(d, name + ".fpr")).read()
    for name, address in [("ann", "ann@wkd.example.org"), ("dan", "dan@direct.example.org"), ("eve", "eve@wkd.example.org")]:
        wkd_hash = run(["/usr/lib/gnupg/gpg-wks-client", "--print-wkd-hash", address], env=env).decode().split()[0]
        domain = address.split("@")[1]
        hu = os.path.join(d, "wkd", domain, "hu")
        os.makedirs(hu, exist_ok=True)
        open(os.path.join(d, "wkd", domain, "policy"), "w").write("")
        open(os.path.join(hu, wkd_hash), "wb").write(gpg("--export", fpr(name)))
    for name in ["ola", "ivy"]:
        open(os.path.join(d, name + ".dane"), "wb").write(gpg("--export-options", "export-dane", "--export", fpr(name)))
    # A CA and a server certificate for both WKD hosts.
    o = lambda *a: run(["openssl"] + list(a), cwd=d)
    o("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
      "-subj", "/CN=Hato test WKD CA", "-days", "2", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
    o("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=openpgpkey.wkd.example.org")
    open(os.path.join(d, "san.ext"), "w").write("subjectAltName=DNS:openpgpkey.wkd.example.org,DNS:direct.example.org\nextendedKeyUsage=serverAuth\n")
    o("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.pem")
    # A PGP/MIME message signed by dan (RFC 3156 §5), CRLF throughout.
    entity = b"Content-Type: text/plain; charset=utf-8\r\n\r\nMinutes of the meeting on the 3rd.\r\n"
    signature = run(["gpg", "--batch", "--armor", "--digest-algo", "SHA256", "--local-user", fpr("dan") + "!", "--detach-sign"],
                    env=env, input=entity).replace(b"\n", b"\r\n")
    message = (b"From: Dan <dan@direct.example.org>\r\nTo: alice@example.test\r\nSubject: minutes\r\nMIME-Version: 1.0\r\n"
               b"Content-Type: multipart/signed; micalg=pgp-sha256; protocol=\"application/pgp-signature\"; boundary=\"sig-b\"\r\n\r\n"
               b"--sig-b\r\n" + entity + b"\r\n--sig-b\r\nContent-Type: application/pgp-signature\r\n\r\n" + signature + b"\r\n--sig-b--\r\n")
    open(os.path.join(d, "dan-signed.eml"), "wb").write(message)
    run(["gpgconf", "--kill", "gpg-agent"], env=env)

def serve(d):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            host = (self.headers.get("Host") or "").split(":")[0].lower()
            with open(os.path.join(d, "requests.log"), "a") as log:
                log.write("%s %s\n" % (host, self.path))
            path = self.path.split("?")[0].split("/")
            # /.well-known/openpgpkey/<domain>/hu/<hash> (advanced) or /.well-known/openpgpkey/hu/<hash> (direct)
            if host.startswith("openpgpkey.") and len(path) == 6 and path[3] == host[len("openpgpkey."):]:
                domain, rest = path[3], path[4:]
            elif len(path) == 5:
                domain, rest = host, path[3:]
            else:
                domain, rest = None, []
            name = os.path.join(d, "wkd", domain, *rest) if domain and ".." not in rest else None
            if not name or not os.path.isfile(name):
                self.send_response(404); self.end_headers(); return
            body = open(name, "rb").read()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        def log_message(self, *args):
            pass
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(d, "server.pem"), os.path.join(d, "server.key"))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()

{"make": make, "serve": serve}[sys.argv[1]](sys.argv[2])
