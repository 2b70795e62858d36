// The peers of SMIMERevocationServeTests: a CA kept by `openssl ca` and its revocation service.

extension SMIMERevocationServeTests {
    /// An HTTP server on a loopback ephemeral port: GET /root.crl and /stale.crl (the CRLs, DER),
    /// POST /ocsp (the request handed to `openssl ocsp` with the CA's index, answered by its
    /// delegated responder, RFC 6960 §4.2.2.2), POST /slow (the same after 30 s), POST /forged
    /// (answered "good" under a certificate that is no responder of the CA). Prints its
    /// port and a port that was bound and closed (nothing answers there).
    static let responder = #"""
        import http.server, socket, subprocess, sys, os, time, tempfile
        directory = sys.argv[1]
        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args): pass
            def answer(self, body, kind):
                self.send_response(200); self.send_header("Content-Type", kind); self.send_header("Content-Length", str(len(body)))
                self.end_headers(); self.wfile.write(body)
            def do_GET(self):
                name = self.path.lstrip("/")
                if name not in ("root.crl", "stale.crl"): self.send_error(404); return
                self.answer(open(os.path.join(directory, name), "rb").read(), "application/pkix-crl")
            def do_POST(self):
                request = self.rfile.read(int(self.headers["Content-Length"]))
                if self.path == "/slow": time.sleep(30)
                # /forged: signed by alice, whom the CA never made a responder (no OCSPSigning).
                signer = "alice" if self.path == "/forged" else "responder"
                with tempfile.TemporaryDirectory() as work:
                    open(work + "/req.der", "wb").write(request)
                    subprocess.run(["openssl", "ocsp", "-index", "db/index.txt", "-CA", "ca.pem", "-rsigner", signer + ".pem",
                                    "-rkey", signer + ".key", "-reqin", work + "/req.der", "-respout", work + "/resp.der", "-nmin", "60"],
                                   cwd=directory, check=True, capture_output=True)
                    self.answer(open(work + "/resp.der", "rb").read(), "application/ocsp-response")
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        closed = socket.socket(); closed.bind(("127.0.0.1", 0)); closed_port = closed.getsockname()[1]; closed.close()
        print(server.server_address[1], closed_port, flush=True)
        server.serve_forever()
        """#

    /// The CA (RFC 5280 §4.2.2.1 AIA OCSP and §4.2.1.13 CRL distribution points naming `base`),
    /// its users, the delegated OCSP responder (extKeyUsage OCSPSigning), bob revoked for
    /// keyCompromise and carol as superseded, root.crl current and stale.crl from 2020.
    static func pki(base: String, closed: Int) -> String {
        let ext = "subjectAltName=email:$ENV::EMAIL\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=emailProtection"
        return #"""
            export EMAIL=none
            openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 -subj "/CN=Hato Revocation Root" \
              -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
            mkdir -p db && : > db/index.txt && echo 2000 > db/serial && echo 1000 > db/crlnumber
            cat > ca.cnf <<'CNF'
            [ca]
            default_ca=d
            [d]
            database=db/index.txt
            serial=db/serial
            crlnumber=db/crlnumber
            new_certs_dir=db
            policy=p
            default_md=sha256
            default_days=30
            default_crl_days=1
            copy_extensions=none
            unique_subject=no
            [p]
            commonName=supplied
            [both]
            \#(ext)
            authorityInfoAccess=OCSP;URI:\#(base)/ocsp
            crlDistributionPoints=URI:\#(base)/root.crl
            [ocsp]
            \#(ext)
            authorityInfoAccess=OCSP;URI:\#(base)/ocsp
            [crl]
            \#(ext)
            crlDistributionPoints=URI:\#(base)/root.crl
            [stale]
            \#(ext)
            crlDistributionPoints=URI:\#(base)/stale.crl
            [down]
            \#(ext)
            authorityInfoAccess=OCSP;URI:http://127.0.0.1:\#(closed)/ocsp
            [slow]
            \#(ext)
            authorityInfoAccess=OCSP;URI:\#(base)/slow
            [forged]
            \#(ext)
            authorityInfoAccess=OCSP;URI:\#(base)/forged
            [responder]
            keyUsage=critical,digitalSignature
            extendedKeyUsage=OCSPSigning
            CNF
            issue() { # name email section
              openssl req -new -newkey rsa:2048 -nodes -keyout $1.key -out $1.csr -subj "/CN=$1" 2>/dev/null
              EMAIL=$2 openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in $1.csr -out $1.pem -extensions $3 2>/dev/null
            }
            issue alice alice@example.com both
            issue bob bob@example.com ocsp
            issue carol carol@example.com crl
            issue dave dave@example.com crl
            issue frank frank@example.com stale
            issue erin erin@example.com down
            issue gwen gwen@example.com slow
            issue hank hank@example.com forged
            issue responder responder@example.com responder
            openssl ca -config ca.cnf -cert ca.pem -keyfile ca.key -revoke bob.pem -crl_reason keyCompromise 2>/dev/null
            openssl ca -config ca.cnf -cert ca.pem -keyfile ca.key -revoke carol.pem -crl_reason superseded 2>/dev/null
            openssl ca -config ca.cnf -cert ca.pem -keyfile ca.key -gencrl -out root.crl.pem 2>/dev/null
            openssl crl -in root.crl.pem -outform DER -out root.crl
            openssl ca -config ca.cnf -cert ca.pem -keyfile ca.key -gencrl -crl_lastupdate 20200101000000Z -crl_nextupdate 20200102000000Z \
              -out stale.crl.pem 2>/dev/null
            openssl crl -in stale.crl.pem -outform DER -out stale.crl
            """#
    }
}
