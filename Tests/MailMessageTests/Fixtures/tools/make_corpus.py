#!/usr/bin/env python3
"""Writes the MailMessage test corpus (Fixtures/corpus/*.eml).

Real-world style messages written for Hato's tests: Japanese newsletters in ISO-2022-JP,
Shift_JIS mail from old clients, mixed encoded-word subjects, nested multiparts, broken MIME,
huge headers. Run from anywhere: python3 make_corpus.py. Output is deterministic.
"""
import base64, os, quopri

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus")


def jis(text):
    """ISO-2022-JP with CP50220 extensions: CP932 bytes mapped back to JIS rows."""
    out, mode = bytearray(), "ascii"
    for ch in text:
        b = ch.encode("cp932")
        if len(b) == 1 and b[0] < 0x80:
            if mode != "ascii":
                out += b"\x1b(B"; mode = "ascii"
            out += b
            continue
        if len(b) == 1:  # half-width kana: ESC ( I (CP50221)
            if mode != "kana":
                out += b"\x1b(I"; mode = "kana"
            out.append(b[0] - 0x80)
            continue
        s1, s2 = b
        j1 = (s1 - (0x70 if s1 <= 0x9F else 0xB0)) << 1
        if s2 < 0x9F:
            j1 -= 1; j2 = s2 - (0x1F if s2 < 0x7F else 0x20)
        else:
            j2 = s2 - 0x7E
        if mode != "jis":
            out += b"\x1b$B"; mode = "jis"
        out += bytes([j1, j2])
    if mode != "ascii":
        out += b"\x1b(B"
    return bytes(out)


def b_word(charset, data):
    return "=?%s?B?%s?=" % (charset, base64.b64encode(data).decode())


def write(name, text_or_bytes):
    data = text_or_bytes if isinstance(text_or_bytes, bytes) else text_or_bytes.encode("utf-8")
    data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def b64lines(data):
    s = base64.b64encode(data).decode()
    return "\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def main():
    os.makedirs(OUT, exist_ok=True)

    write("01-plain-ascii.eml", """Return-Path: <alice@example.com>
Received: from mx.example.com (mx.example.com [192.0.2.1])
\tby mail.example.net with ESMTPS id 4Xyz for <bob@example.net>;
\tMon, 02 Jan 2006 15:04:05 +0000
From: Alice Example <alice@example.com>
To: Bob <bob@example.net>
Subject: Lunch on Friday?
Date: Mon, 2 Jan 2006 15:04:05 +0000
Message-ID: <20060102150405.1234@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Hi Bob,

Are we still on for lunch on Friday?

Alice
""")

    # 02: Japanese newsletter, ISO-2022-JP, subject split mid-character across two words
    subj = jis("【ハト通信】第12号　春の新機能のお知らせ①")
    cut = len(subj) // 2 + 1  # deliberately inside a two-byte character
    body = jis("株式会社ハト（㈱ハト）よりお知らせです。\n\n①新しい受信箱\n②迷惑メール対策の強化\n～今後ともよろしくお願いします～\nｶﾀｶﾅ半角もあります。\n")
    write("02-jp-newsletter-iso2022jp.eml", b"From: " + b_word("ISO-2022-JP", jis("ハト通信")).encode() + b""" <news@hato.example.jp>
To: member@example.jp
Subject: """ + b_word("ISO-2022-JP", subj[:cut]).encode() + b"\n " + b_word("iso-2022-jp", subj[cut:]).encode() + b"""
Date: Tue, 14 Mar 2023 09:00:00 +0900
Message-ID: <news-12@hato.example.jp>
MIME-Version: 1.0
Content-Type: text/plain; charset=ISO-2022-JP
Content-Transfer-Encoding: 7bit

""" + body)

    # 03: Shift_JIS from an old client: 8bit body, encoded-word file name in quotes
    sj_body = "お世話になっております。\n見積書を添付いたします。\n～よろしくお願いいたします～\n".encode("cp932")
    fname = b_word("Shift_JIS", "見積書.pdf".encode("cp932"))
    write("03-sjis-old-client.eml", ("""From: """ + b_word("Shift_JIS", "佐藤 一郎".encode("cp932")) + """ <sato@example.co.jp>
To: "=?Shift_JIS?B?""" + base64.b64encode("鈴木様".encode("cp932")).decode() + """?=" <suzuki@example.jp>
Subject: """ + b_word("Shift_JIS", "お見積もりの件".encode("cp932")) + """
Date: Wed, 1 Feb 2012 10:30:00 +0900
Message-ID: <000001cd1234$abcd$ef01@example.co.jp>
X-Mailer: Microsoft Outlook Express 6.00.2900.5931
MIME-Version: 1.0
Content-Type: multipart/mixed;
\tboundary="----=_NextPart_000_0001_01CD1234.56789ABC"

This is a multi-part message in MIME format.

------=_NextPart_000_0001_01CD1234.56789ABC
Content-Type: text/plain;
\tcharset="shift_jis"
Content-Transfer-Encoding: 8bit

""").encode() + sj_body + ("""
------=_NextPart_000_0001_01CD1234.56789ABC
Content-Type: application/pdf;
\tname=\"""" + fname + """\"
Content-Transfer-Encoding: base64
Content-Disposition: attachment;
\tfilename=\"""" + fname + """\"

""" + b64lines(b"%PDF-1.4\n% fake pdf for tests\n" * 3) + """

------=_NextPart_000_0001_01CD1234.56789ABC--
""").encode())

    write("04-mixed-encoded-words.eml", """From: =?UTF-8?Q?Fran=C3=A7ois_M=C3=BCller?= <fm@example.fr>
To: =?ISO-8859-1?Q?Andr=E9?= <andre@example.fr>, "Plain Name" <plain@example.org>
Subject: Re: =?UTF-8?B?5pel5pys6Kqe?= =?UTF-8?B?44Gu5Lu2?= and =?ISO-8859-1?Q?caf=E9?= (urgent)
Date: Thu, 5 Sep 2019 08:07:06 +0200
Message-ID: <mixed-ew@example.fr>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Bonjour, voil=C3=A0 le caf=C3=A9. Une ligne tr=C3=A8s longue qui est coup=C3=
=A9e au milieu d'un caract=C3=A8re.
""")

    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")
    pdf = b"%PDF-1.7\n" + bytes(range(256))
    inner = """From: Carol <carol@example.org>
To: Dave <dave@example.org>
Subject: =?UTF-8?B?6Lui6YCB44Oh44O844Or?=
Date: Fri, 6 Sep 2019 10:00:00 -0700
Message-ID: <inner@example.org>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="inner-alt"

--inner-alt
Content-Type: text/plain; charset=utf-8

forwarded text
--inner-alt
Content-Type: text/html; charset=utf-8

<p>forwarded <b>html</b></p>
--inner-alt--
"""
    write("05-nested-multipart.eml", """From: Eve <eve@example.com>
To: Frank <frank@example.com>
Cc: Grace <grace@example.com>
Subject: Nested structure
Date: Sat, 7 Sep 2019 12:00:00 +0000
Message-ID: <nested@example.com>
In-Reply-To: <prev@example.com>
References: <first@example.com> <prev@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

This is the preamble.
--outer
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Hello, see the picture. 日本語も。
--alt
Content-Type: multipart/related; boundary="rel"; type="text/html"

--rel
Content-Type: text/html; charset=utf-8

<html><body><p>Hello &amp; <img src="cid:img1@example.com"></p></body></html>
--rel
Content-Type: image/png
Content-Transfer-Encoding: base64
Content-ID: <img1@example.com>
Content-Disposition: inline

""" + b64lines(png) + """
--rel--
--alt--
--outer
Content-Type: application/pdf; name="=?UTF-8?B?6KaL56mN5pu4LnBkZg==?="
Content-Transfer-Encoding: base64
Content-Disposition: attachment;
 filename*0*=UTF-8''%E5%B9%B4%E6%AC%A1%E5%A0%B1%E5%91%8A%E6%9B%B8;
 filename*1*=%EF%BC%882019%EF%BC%89.pdf
Content-Description: Annual report
Content-Language: ja

""" + b64lines(pdf) + """
--outer
Content-Type: message/rfc822
Content-Disposition: inline

""" + inner + """
--outer--
This is the epilogue.
""")

    write("06-broken-mime.eml", """From: broken@example.com
To: someone@example.com
Subject: broken multipart
Date: 8 Sep 19 12:00 GMT
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=" spaced boundary"

-- spaced boundary
Content-Type: text/plain

part without charset, bad close below
--  spaced boundary
not a delimiter line
-- spaced boundary
Content-Type: application/octet-stream
Content-Transfer-Encoding: base64

aGVsbG8gd29ybGQ
Zm9v=YmFy
--
-- spaced boundary
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

trailing =ZZ invalid escape and soft break =
end
""")

    received = "".join("Received: from relay%d.example.net (relay%d.example.net [198.51.100.%d])\n\tby relay%d.example.net with ESMTP id R%05d;\n\tSun, 8 Sep 2019 12:%02d:00 +0000\n" % (i, i, i, i + 1, i, i % 60) for i in range(60))
    refs = " ".join("<ref%03d@lists.example.org>" % i for i in range(120))
    to = ",\n ".join('"Member %d" <member%d@example.org>' % (i, i) for i in range(200))
    write("07-huge-headers.eml", received + "From: List <list@lists.example.org>\nTo: " + to + "\nSubject: " + ("very long subject " * 30).strip() + "\nReferences: " + refs + """
Date: Sun, 8 Sep 2019 13:00:00 +0000
Message-ID: <huge@lists.example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

body
""")

    write("08-address-forms.eml", """From: "Joe Q. Public" <john.q.public@example.com>
Sender: Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>
To: Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>
Cc: <boss@nil.test>, "Giant; \\"Big\\" Box" <sysservices@example.net>
Reply-To: A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;
Bcc: Undisclosed recipients:;
Subject: Address forms from RFC 5322 Appendix A
Date: Tue, 1 Jul 2003 10:52:37 +0200
Message-ID: <5678.21-Nov-1997@example.com>
MIME-Version: 1.0

body
""")

    digest_parts = "".join("""
--digest
Content-Type: message/rfc822

From: poster%d@example.org
Subject: digest item %d
Message-ID: <item%d@example.org>

item %d body
""" % (i, i, i, i) for i in range(1, 4))
    write("09-digest.eml", """From: digest@lists.example.org
To: reader@example.org
Subject: List digest, Vol 1, Issue 1
Date: Mon, 9 Sep 2019 00:00:00 +0000
Message-ID: <digest-1-1@lists.example.org>
MIME-Version: 1.0
Content-Type: multipart/digest; boundary="digest"

Today's topics
""" + digest_parts + """
--digest--
""")

    write("10-utf8-headers.eml", """From: 山田太郎 <taro@例え.jp>
To: "José Ñúñez" <jose@example.es>
Subject: 件名はUTF-8のまま (RFC 6532)
Date: Tue, 10 Sep 2019 09:00:00 +0900
Message-ID: <utf8hdr@example.jp>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

本文もUTF-8です。
""")

    write("11-signed.eml", """From: signer@example.com
To: verifier@example.com
Subject: signed message
Date: Wed, 11 Sep 2019 11:11:11 +0000
Message-ID: <signed@example.com>
MIME-Version: 1.0
Content-Type: multipart/signed; micalg=pgp-sha256;
 protocol="application/pgp-signature"; boundary="sig"

--sig
Content-Type: text/plain; charset=us-ascii

Signed text.
--sig
Content-Type: application/pgp-signature; name="signature.asc"
Content-Disposition: attachment; filename="signature.asc"

-----BEGIN PGP SIGNATURE-----

iQEzBAEBCAAdFiEEfakefakefakefakefakefakefakefakeFAl17eAAACgkQ
=abcd
-----END PGP SIGNATURE-----
--sig--
""")

    write("12-raw-8bit-header.eml", b"From: " + "田中".encode("cp932") + b""" <tanaka@example.jp>
To: someone@example.jp
Subject: """ + "生のシフトJISの件名".encode("cp932") + b"""
Date: Thu, 12 Sep 2019 12:00:00 +0900
Message-ID: <raw8bit@example.jp>
Content-Type: text/plain; charset=Shift_JIS

""" + "本文".encode("cp932") + b"\n")

    write("13-qp-latin1.eml", b"""From: =?iso-8859-1?q?J=F6rg?= <joerg@example.de>
To: anna@example.de
Subject: =?windows-1252?Q?=93Gr=FC=DFe=94_aus_K=F6ln?=
Date: Fri, 13 Sep 2019 13:13:13 +0200
Message-ID: <latin1@example.de>
MIME-Version: 1.0
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Sch=F6ne Gr=FC=DFe aus K=F6ln.=20
Stra=DFe
""")

    charsets = [
        ("euc-jp", "euc_jp", "日本語のEUC-JPメール"),
        ("gb2312", "gb2312", "简体中文邮件"),
        ("big5", "big5", "繁體中文郵件"),
        ("euc-kr", "euc_kr", "한국어 메일"),
        ("koi8-r", "koi8_r", "Русское письмо"),
        ("windows-1251", "cp1251", "Кириллица в windows-1251"),
        ("iso-8859-7", "iso8859_7", "Ελληνικά"),
        ("utf-16", "utf-16", "UTF-16 本文"),
    ]
    for n, (label, codec, text) in enumerate(charsets):
        data = text.encode(codec)
        write("14-charset-%s.eml" % label, ("""From: sender@example.org
To: reader@example.org
Subject: """ + b_word(label, text.encode(codec) if codec != "utf-16" else text.encode("utf-8")).replace("utf-16", "utf-8") + """
Date: Sat, 14 Sep 2019 14:%02d:00 +0000
Message-ID: <charset-%s@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=%s
Content-Transfer-Encoding: base64

""" % (n, label, label) + b64lines(data) + "\n").encode())

    write("15-unknown-charset.eml", b"""From: x@example.org
To: y@example.org
Subject: =?x-unknown?Q?caf=C3=A9?=
Date: Sun, 15 Sep 2019 15:15:15 +0000
Message-ID: <unknown-cs@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=x-does-not-exist
Content-Transfer-Encoding: 8bit

caf\xc3\xa9 ol\xe9
""")

    with open(os.path.join(OUT, "16-lf-only.eml"), "wb") as f:
        f.write(b"From: lf@example.org\nTo: y@example.org\nSubject: LF only\nDate: Mon, 16 Sep 2019 16:16:16 +0000\n"
                b"Message-ID: <lf@example.org>\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=b\n\n"
                b"--b\nContent-Type: text/plain\n\nline one\nline two\n--b\nContent-Type: text/html\n\n<p>x</p>\n--b--\n")

    write("17-no-header-separator.eml", """From: nosep@example.org
Subject: missing blank line
This line is body text, not a header.
Second body line.
""")

    write("18-rfc2231-sjis-attachment.eml", ("""From: =?ISO-2022-JP?B?""" + base64.b64encode(jis("経理部")).decode() + """?= <keiri@example.jp>
To: all@example.jp
Subject: =?ISO-2022-JP?B?""" + base64.b64encode(jis("請求書送付のご案内")).decode() + """?=
Date: Tue, 17 Sep 2019 17:17:17 +0900
Message-ID: <rfc2231@example.jp>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="==b=="

--==b==
Content-Type: text/plain; charset=ISO-2022-JP
Content-Transfer-Encoding: 7bit

""").encode() + jis("請求書を送付します。\n") + ("""
--==b==
Content-Type: application/vnd.ms-excel
Content-Transfer-Encoding: base64
Content-Disposition: attachment;
 filename*=shift_jis'ja'%90%BF%8B%81%8F%91.xls

""" + b64lines(b"\xd0\xcf\x11\xe0fake xls") + """
--==b==
Content-Type: video/mp4; name="clip.mp4"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="clip.mp4"

""" + b64lines(bytes(range(200))) + """
--==b==--
""").encode())

    write("19-message-global-and-empty-parts.eml", """From: a@example.org
To: b@example.org
Subject: empty parts
Date: Wed, 18 Sep 2019 18:18:18 +0000
Message-ID: <empty@example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="e"

--e
--e
Content-Type: text/plain

--e
Content-Type: message/global

From: 内側 <inner@example.org>
Subject: グローバル
Content-Type: text/plain; charset=utf-8

内側の本文
--e--
""")


if __name__ == "__main__":
    main()
