#!/usr/bin/env python3
"""Prints what Python's stdlib `email` package reads from each .eml given, as one JSON object
keyed by file name. Hato's differential tests compare MailMessage against it.

For every message: decoded Subject (two readings: policy.default, and the legacy
decode_header/make_header that joins adjacent encoded-words byte-wise), From/To/Cc as
(display name, addr-spec), Message-ID, Date as a POSIX timestamp, and the part tree in walk()
order with content type, charset, file name, transfer-decoded payload (base64) and the text
decoded strictly with the codec Hato uses for that charset (null when Python cannot).
"""
import base64, email, email.policy, json, sys
from email.header import decode_header, make_header
from email.utils import parsedate_to_datetime

CODECS = {"shift_jis": "cp932", "sjis": "cp932", "x-sjis": "cp932", "windows-31j": "cp932",
          "gb2312": "gb18030", "gbk": "gb18030", "euc-kr": "cp949", "ks_c_5601-1987": "cp949",
          "iso-8859-1": "cp1252", "latin1": "cp1252", "us-ascii": "ascii"}


def legacy_subject(raw):
    try:
        return str(make_header(decode_header(raw)))
    except Exception:
        return None


def addresses(msg, name):
    out = []
    try:
        header = msg[name]
        if header is None:
            return None
        for a in header.addresses:
            out.append([a.display_name, a.addr_spec])
    except Exception as e:
        return {"error": str(e)}
    return out


def dump(path):
    with open(path, "rb") as f:
        data = f.read()
    msg = email.message_from_bytes(data, policy=email.policy.default)
    legacy = email.message_from_bytes(data)
    result = {}
    try:
        result["subject"] = None if msg["subject"] is None else str(msg["subject"])
    except Exception as e:
        result["subject"] = {"error": str(e)}
    raw_subject = legacy.get("subject")
    result["subject_legacy"] = None if raw_subject is None else legacy_subject(str(raw_subject))
    for name in ("from", "to", "cc"):
        result[name] = addresses(msg, name)
    mid = legacy.get("message-id")
    result["message_id"] = None if mid is None else str(mid).strip()
    try:
        result["date"] = parsedate_to_datetime(str(legacy.get("date"))).timestamp() if legacy.get("date") else None
    except Exception:
        result["date"] = None
    parts = []
    for part in legacy.walk():
        entry = {"type": part.get_content_type(), "multipart": part.is_multipart()}
        entry["charset"] = part.get_content_charset()
        try:
            entry["filename"] = msg_filename(part)
        except Exception:
            entry["filename"] = None
        if not part.is_multipart() and part.get_content_type() not in ("message/rfc822", "message/global"):
            payload = part.get_payload(decode=True) or b""
            entry["payload"] = base64.b64encode(payload).decode()
            entry["text"] = None
            if part.get_content_maintype() == "text":
                codec = CODECS.get((entry["charset"] or "us-ascii").lower(), entry["charset"] or "us-ascii")
                try:
                    entry["text"] = payload.decode(codec)
                except Exception:
                    entry["text"] = None
        parts.append(entry)
    result["parts"] = parts
    return result


def clean(value):
    """Lone surrogates (Python's surrogateescape for undecodable bytes) become U+FFFD."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace") if any(
            0xD800 <= ord(c) <= 0xDFFF for c in value) else value
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    return value


def msg_filename(part):
    name = part.get_filename()
    if name is None:
        return None
    return str(make_header(decode_header(name)))


if __name__ == "__main__":
    print(json.dumps({p.rsplit("/", 1)[-1]: clean(dump(p)) for p in sys.argv[1:]}, ensure_ascii=False, indent=1))
