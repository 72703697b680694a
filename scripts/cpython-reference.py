#!/usr/bin/env python3
"""Reference reading of From / Subject / Message-Id by CPython's email package, plus mutated copies.

Dev tool for scripts/compare-cpython.ts (not used by the product). Usage:
    cpython-reference.py OUTDIR FILE...
Writes OUTDIR/<mutation>/<n>.eml for every input and mutation, and prints one JSON line per mail:
{"file", "mutation", "path", "from": [addr-spec...], "fromAny": [...], "subject", "messageId"}.

Mutations are legal or commonly seen re-encodings of the same mail (RFC 5322 2.2.3 folding,
RFC 2047 encoded-words split on character boundaries, RFC 6532 raw UTF-8, other line-ending
conventions, a junk header flood before the real fields), so the identity fields must not change.
"""
import base64
import email
import email.policy
import json
import os
import re
import sys


def split_head(raw: bytes):
    """(head, sep, body) at the first empty line; sep is b'' when there is none."""
    m = re.search(rb'\r?\n(\r?\n)', raw)
    if not m:
        return raw, b'', b''
    return raw[: m.start(1)], raw[m.start(1) : m.end(1)], raw[m.end(1) :]


def eol_of(head: bytes) -> bytes:
    return b'\r\n' if b'\r\n' in head else b'\n'


def fields(head: bytes):
    """Header lines grouped into fields (continuations attached)."""
    out = []
    for line in re.split(rb'(?<=\n)', head):
        if not line:
            continue
        if line[:1] in (b' ', b'\t') and out:
            out[-1] += line
        else:
            out.append(line)
    return out


def field_name(f: bytes) -> bytes:
    c = f.find(b':')
    return f[:c].strip().lower() if c > 0 else b''


def reference(raw: bytes):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    out = {'from': [], 'fromAny': [], 'subject': None, 'messageId': None}
    try:
        h = msg['From']
        if h is not None:
            out['from'] = [a.addr_spec for a in h.addresses if a.addr_spec and a.addr_spec != '<>']
    except Exception as e:  # noqa: BLE001
        out['fromError'] = repr(e)
    try:
        for h in msg.get_all('From') or []:
            addrs = [a.addr_spec for a in h.addresses if '@' in (a.addr_spec or '')]
            if addrs:
                out['fromAny'] = addrs
                break
    except Exception:  # noqa: BLE001
        pass
    try:
        s = msg['Subject']
        out['subject'] = None if s is None else str(s)
    except Exception as e:  # noqa: BLE001
        out['subjectError'] = repr(e)
    try:
        m = msg['Message-ID']
        out['messageId'] = None if m is None else str(m).strip()
    except Exception as e:  # noqa: BLE001
        out['messageIdError'] = repr(e)
    return out


def subject_text(raw: bytes):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    try:
        s = msg['Subject']
        return None if s is None else str(s)
    except Exception:  # noqa: BLE001
        return None


def replace_field(head: bytes, name: bytes, new: bytes) -> bytes:
    fs = fields(head)
    for i, f in enumerate(fs):
        if field_name(f) == name:
            fs[i] = new
            return b''.join(fs)
    return head


def fold_oddly(head: bytes, eol: bytes) -> bytes:
    """Fold every From/To/Subject/Message-ID value at each space, alternating space and tab (RFC 5322 2.2.3)."""
    out = []
    for f in fields(head):
        if field_name(f) in (b'from', b'to', b'subject', b'message-id', b'references'):
            body = f.rstrip(b'\r\n')
            parts = body.split(b' ')
            folded = parts[0]
            for k, p in enumerate(parts[1:]):
                folded += eol + (b'\t' if k % 2 else b' ') + p
            # also fold right after the colon
            c = folded.find(b':')
            folded = folded[: c + 1] + eol + b' ' + folded[c + 1 :].lstrip(b' ')
            out.append(folded + eol)
        else:
            out.append(f)
    return b''.join(out)


def tabs(head: bytes) -> bytes:
    """Tab after the colon and tabs as folding whitespace."""
    out = []
    for f in fields(head):
        c = f.find(b':')
        if c > 0 and f[:1] not in (b' ', b'\t'):
            v = f[c + 1 :]
            f = f[: c + 1] + b'\t' + v.lstrip(b' \t')
            f = re.sub(rb'(\r?\n) +', rb'\1\t', f)
        out.append(f)
    return b''.join(out)


def ew_split(head: bytes, subject, eol: bytes) -> bytes:
    """Subject as UTF-8 B encoded-words of at most 5 characters each, one per folded line (RFC 2047 5)."""
    if subject is None or subject.strip() == '':
        return head
    words = []
    for i in range(0, len(subject), 5):
        chunk = subject[i : i + 5].encode('utf-8')
        words.append(b'=?UTF-8?B?' + base64.b64encode(chunk) + b'?=')
    return replace_field(head, b'subject', b'Subject: ' + (eol + b' ').join(words) + eol)


def eight_bit(head: bytes, subject, eol: bytes) -> bytes:
    """Subject as raw UTF-8 (RFC 6532)."""
    if subject is None:
        return head
    return replace_field(head, b'subject', b'Subject: ' + subject.encode('utf-8') + eol)


def flood(head: bytes, eol: bytes, n=3000) -> bytes:
    junk = b''.join(b'X-Junk-%d: filler value number %d' % (i, i) + eol for i in range(n))
    return junk + head


def double_from(head: bytes, eol: bytes) -> bytes:
    """An unparsable From (a display name alone) before the real one."""
    fs = fields(head)
    for i, f in enumerate(fs):
        if field_name(f) == b'from':
            return b''.join(fs[:i] + [b'From: Support Team' + eol] + fs[i:])
    return head


def stray_cr(head: bytes) -> bytes:
    """A bare CR inside the Subject value (RFC 5322 2.2 forbids it; seen from broken gateways)."""
    fs = fields(head)
    for i, f in enumerate(fs):
        if field_name(f) == b'subject':
            sp = f.find(b' ', f.find(b':') + 2)
            if sp > 0:
                fs[i] = f[:sp] + b'\r' + f[sp:]
                return b''.join(fs)
    return head


RELAY = b'Received: from relay.example.net by mx.example.com; Mon, 1 Jan 2024 00:00:00 +0000\n'

MUTATIONS = ['original', 'cr-only', 'lf-only', 'crlf', 'flood', 'fold-oddly', 'ew-split', 'no-blank-line', '8bit-header', 'tabs', 'double-from', 'cr-only+lf-relay', 'stray-cr']


def mutate(raw: bytes, kind: str, subject):
    if kind == 'original':
        return raw
    if kind == 'cr-only':
        return re.sub(rb'\r?\n', b'\r', raw)
    if kind == 'lf-only':
        return raw.replace(b'\r\n', b'\n')
    if kind == 'crlf':
        return re.sub(rb'(?<!\r)\n', b'\r\n', raw)
    if kind == 'cr-only+lf-relay':
        # a CR-only mail that passed a Unix relay, which prepended its own LF-terminated trace field
        return RELAY + RELAY + re.sub(rb'\r?\n', b'\r', raw)
    head, sep, body = split_head(raw)
    eol = eol_of(head)
    if kind == 'flood':
        return flood(head, eol) + sep + body
    if kind == 'fold-oddly':
        return fold_oddly(head, eol) + sep + body
    if kind == 'ew-split':
        return ew_split(head, subject, eol) + sep + body
    if kind == 'no-blank-line':
        return head + body if sep else raw
    if kind == '8bit-header':
        return eight_bit(head, subject, eol) + sep + body
    if kind == 'tabs':
        return tabs(head) + sep + body
    if kind == 'double-from':
        return double_from(head, eol) + sep + body
    if kind == 'stray-cr':
        return stray_cr(head) + sep + body
    raise ValueError(kind)


def main():
    outdir = sys.argv[1]
    files = sys.argv[2:]
    for kind in MUTATIONS:
        os.makedirs(os.path.join(outdir, kind), exist_ok=True)
    for n, path in enumerate(files):
        with open(path, 'rb') as fh:
            raw = fh.read()
        subject = subject_text(raw)
        for kind in MUTATIONS:
            data = mutate(raw, kind, subject)
            if kind != 'original' and data == raw:
                continue
            out = os.path.join(outdir, kind, f'{n}.eml')
            with open(out, 'wb') as fh:
                fh.write(data)
            ref = reference(data)
            ref.update({'file': path, 'mutation': kind, 'path': out})
            print(json.dumps(ref, ensure_ascii=False))


if __name__ == '__main__':
    main()
