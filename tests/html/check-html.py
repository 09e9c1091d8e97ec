#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Helpers for tests/html/html-chromium.sh (the HTML report in a real browser).

  check-html.py inject DIR            put hostile markup into every Name tag of the
                                      snapshot under DIR (rewrites its JSON files)
  check-html.py static FILE           the report references no URL, has exactly one
                                      script, and the Content-Security-Policy hash
                                      matches that script
  check-html.py expect FILE QUERY     print how many findings rows the filter QUERY
                                      ("sev=critical&res=sg-") should leave visible,
                                      computed here from the static rows
  check-html.py dom DUMP [N]          the DOM chromium dumped: the page script ran
                                      (data-js="ok"), the filter controls were
                                      revealed, and N rows (default: all) are visible
  check-html.py hostile DUMP          the hostile markup stayed text: no element or
                                      attribute it tried to create exists
  check-html.py png FILE W H          FILE is a W x H PNG that is not blank

Exit 0 when the check holds, 1 (with a message) when it does not.
"""
import base64
import hashlib
import json
import os
import re
import struct
import sys
import urllib.parse
import zlib

HOSTILE = ("<script>document.title='PWNED'</script>"
           "<img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">")


def fail(msg):
    print("check-html: " + msg, file=sys.stderr)
    sys.exit(1)


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def inject(root):
    n = 0

    def walk(v):
        nonlocal n
        if isinstance(v, dict):
            tags = v.get("Tags")
            if isinstance(tags, list):
                for t in tags:
                    if isinstance(t, dict) and t.get("Key") == "Name":
                        t["Value"] = HOSTILE + str(t.get("Value", ""))
                        n += 1
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    for d, _, files in os.walk(root):
        for name in sorted(files):
            if not name.endswith(".json"):
                continue
            p = os.path.join(d, name)
            with open(p, encoding="utf-8") as f:
                doc = json.load(f)
            before = n
            walk(doc)
            if n != before:
                with open(p, "w", encoding="utf-8") as f:
                    json.dump(doc, f, indent=4)
    if n == 0:
        fail("no Name tag found under '%s'" % root)
    print("check-html: injected hostile markup into %d Name tags" % n, flush=True)


def static(path):
    s = read(path)
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", s, re.S | re.I)
    if len(scripts) != 1 or s.lower().count("<script") != 1:
        fail("%s: expected exactly one <script>, found %d" % (path, s.lower().count("<script")))
    # Text from the snapshot is escaped, so it holds no "<": the markup is
    # exactly the <...> runs, plus the style and script bodies.
    style = "".join(re.findall(r"<style>(.*?)</style>", s, re.S))
    markup = " ".join(re.findall(r"<[^>]*>", s)) + style + scripts[0]
    for text, pat, what in ((s, r"https?://", "a URL"),
                            (markup, r"\bsrc\s*=", "a src= attribute"),
                            (markup, r"url\s*\(", "url() in CSS"), (markup, r"@import", "@import"),
                            (markup, r"href\s*=\s*\"(?!#)", "a link leaving the page"),
                            (markup, r"<(img|iframe|object|embed|link|base|form)\b",
                             "an external-content tag")):
        m = re.search(pat, text, re.I)
        if m:
            fail("%s: found %s: %r" % (path, what, text[max(0, m.start() - 60):m.end() + 60]))
    m = re.search(r"<meta http-equiv=\"Content-Security-Policy\" content=\"([^\"]*)\"", s)
    if not m or "default-src 'none'" not in m.group(1):
        fail("%s: no Content-Security-Policy with default-src 'none'" % path)
    want = "sha256-" + base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    if "'%s'" % want not in m.group(1):
        fail("%s: the script's hash is %s but the policy says %r: update HTML_SCRIPT_SHA256 in "
             "src/report/html.c" % (path, want, m.group(1)))


def rows(s):
    """(attributes dict, classes) of each findings row in a static or dumped page."""
    body = re.search(r"<tbody id=\"findings-body\">(.*?)</tbody>", s, re.S)
    if not body:
        return []
    out = []
    for tag in re.findall(r"<tr\b([^>]*)>", body.group(1)):
        attrs = dict(re.findall(r"([\w-]+)=\"([^\"]*)\"", tag))
        if "data-sev" in attrs:
            out.append(attrs)
    return out


def unescape(v):
    return (v.replace("&quot;", '"').replace("&#39;", "'").replace("&lt;", "<")
            .replace("&gt;", ">").replace("&amp;", "&"))


def expect(path, query):
    want = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    n = 0
    for r in rows(read(path)):
        ok = ((not want.get("sev") or r["data-sev"] == want["sev"]) and
              (not want.get("status") or r["data-status"] == want["status"]) and
              (not want.get("rule") or unescape(r["data-rule"]) == want["rule"]) and
              (not want.get("res") or
               want["res"].strip().lower() in unescape(r["data-res"]).lower()))
        n += ok
    print(n)


def dom(path, shown=None):
    s = read(path)
    body = re.search(r"<body([^>]*)>", s)
    if not body:
        fail("%s: no <body> in the dumped DOM" % path)
    attrs = dict(re.findall(r"([\w-]+)=\"([^\"]*)\"", body.group(1)))
    if attrs.get("data-js") != "ok":
        fail("%s: the page script did not run to the end (body %s)" % (path, body.group(0)))
    if re.search(r"<div id=\"filters\"[^>]*\bhidden\b", s):
        fail("%s: the filter controls are still hidden" % path)
    rs = rows(s)
    visible = [r for r in rs if "off" not in r.get("class", "").split()]
    want = len(rs) if shown is None else int(shown)
    if len(visible) != want or attrs.get("data-shown") != str(want):
        fail("%s: %d of %d rows visible (data-shown=%s), expected %d" %
             (path, len(visible), len(rs), attrs.get("data-shown"), want))
    m = re.search(r"<span id=\"f-count\"[^>]*>([^<]*)</span>", s)
    if not m or m.group(1) != "%d of %d findings shown" % (want, len(rs)):
        fail("%s: the filter count says %r" % (path, m and m.group(1)))
    print("check-html: %s: script ran, %d of %d rows visible" % (os.path.basename(path), want,
                                                                len(rs)))


def hostile(path):
    s = read(path)
    if "PWNED" in (re.search(r"<title>([^<]*)</title>", s) or [None, ""])[1]:
        fail("%s: the injected script set the title" % path)
    if re.search(r"<body[^>]*data-pwned", s) or re.search(r"<img\b", s, re.I):
        fail("%s: the injected markup became an element" % path)
    if s.lower().count("<script") != 1:
        fail("%s: %d script elements in the DOM" % (path, s.lower().count("<script")))
    text = HOSTILE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if text.split("onerror")[0] not in s:
        fail("%s: the hostile markup is not shown as text" % path)


def png(path, w, h):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        fail("no screenshot: %s" % e)
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("%s: not a PNG" % path)
    pos, idat, ihdr = 8, b"", None
    while pos + 8 <= len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBB", chunk[:10])
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + n
    if not ihdr or ihdr[:2] != (int(w), int(h)):
        fail("%s: size %s, expected %sx%s" % (path, ihdr and ihdr[:2], w, h))
    raw = zlib.decompress(idat)
    # A blank page is one colour: its filtered rows are nearly all 0 (or 255
    # for unfiltered white). Text, tables and charts make many other bytes.
    other = sum(1 for b in raw[::7] if b not in (0, 255)) * 7
    if other < len(raw) // 200:
        fail("%s: the screenshot looks blank (%d of %d bytes vary)" % (path, other, len(raw)))
    print("check-html: %s: %sx%s PNG, %d bytes, not blank" % (os.path.basename(path), w, h,
                                                              len(data)))


def main(argv):
    cmds = {"inject": (inject, 1), "static": (static, 1), "expect": (expect, 2),
            "dom": (dom, 1, 2), "hostile": (hostile, 1), "png": (png, 3)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 not in cmds[argv[1]][1:]:
        print(__doc__, file=sys.stderr)
        return 2
    cmds[argv[1]][0](*argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
