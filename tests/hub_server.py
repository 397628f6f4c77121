#!/usr/bin/env python3
"""hub_server.py: a Hugging Face Hub stand-in on 127.0.0.1 for tests/hub.sh.

Serves HEAD/GET /{org}/{name}/resolve/{rev}/{file} with the Hub's headers:
X-Repo-Commit, ETag (the git blob sha1 of a regular file), and for
model.safetensors (an LFS file) X-Linked-Etag / X-Linked-Size (its sha256
and size) and a 302 to /cdn/{sha256}, which serves the bytes with Range
support. Everything it does is read from the JSON state file on each
request, so the test can change it between runs:

  {"repos": {"ORG/NAME": {"refs": {"main": COMMIT},
                          "commits": {COMMIT: DIR}, "token": "secret"}},
   "drop": {"ORG/NAME/FILE": N},     first N body GETs end halfway
   "corrupt": ["ORG/NAME/FILE"],     bodies with one byte flipped
   "throttle": {"ORG/NAME/FILE": B}} bodies sent at B bytes a second

Every request is appended to the log file, one line:
  METHOD PATH range=RANGE|- auth=ok|bad|-
Usage: hub_server.py STATE LOG PORTFILE (the port is written once listening).
"""
import hashlib
import http.server
import json
import os
import socket
import sys
import threading
import time
import urllib.parse

STATE, LOG, PORTFILE = sys.argv[1:4]
LOCK = threading.Lock()
DROPPED = {}  # "ORG/NAME/FILE" -> GETs dropped so far


def state():
    with open(STATE) as f:
        return json.load(f)


def git_sha1(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class Hub(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def record(self, auth):
        line = "%s %s range=%s auth=%s\n" % (
            self.command, self.path, self.headers.get("Range", "-"), auth)
        with LOCK, open(LOG, "a") as f:
            f.write(line)

    def plain(self, code, text, extra=None):
        body = (text + "\n").encode()
        self.send_response(code)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.handle_any()

    def do_GET(self):
        self.handle_any()

    def handle_any(self):
        st = state()
        parts = self.path.split("/")
        if len(parts) == 3 and parts[1] == "cdn":
            self.record("-")
            return self.cdn(st, parts[2])
        # /ORG/NAME/resolve/REV/FILE
        if len(parts) != 6 or parts[3] != "resolve":
            self.record("-")
            return self.plain(404, "no such route")
        repo_id = parts[1] + "/" + parts[2]
        rev = urllib.parse.unquote(parts[4])
        name = parts[5]
        repo = st["repos"].get(repo_id)
        auth = "-"
        if repo and repo.get("token"):
            got = self.headers.get("Authorization", "")
            auth = "ok" if got == "Bearer " + repo["token"] else "bad"
        self.record(auth)
        if repo is None:
            return self.plain(404, "Repository not found", {"X-Error-Code": "RepoNotFound"})
        if auth == "bad":
            return self.plain(401, "Invalid credentials", {"X-Error-Code": "GatedRepo"})
        commit = rev if rev in repo["commits"] else repo["refs"].get(rev)
        if commit is None:
            return self.plain(404, "Revision not found", {"X-Error-Code": "RevisionNotFound"})
        path = os.path.join(repo["commits"][commit], name)
        if not os.path.isfile(path):
            return self.plain(404, "Entry not found", {"X-Error-Code": "EntryNotFound"})
        with open(path, "rb") as f:
            data = f.read()
        key = repo_id + "/" + name
        if name.endswith(".safetensors"):
            sha = hashlib.sha256(data).hexdigest()
            host = self.headers.get("Host")
            loc = "http://%s/cdn/%s?key=%s" % (host, sha, urllib.parse.quote(key, safe=""))
            self.send_response(302)
            self.send_header("X-Repo-Commit", commit)
            self.send_header("X-Linked-Etag", '"%s"' % sha)
            self.send_header("X-Linked-Size", str(len(data)))
            self.send_header("ETag", '"%s"' % git_sha1(data))
            self.send_header("Location", loc)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_body(st, key, data, {"X-Repo-Commit": commit, "ETag": '"%s"' % git_sha1(data)})

    def cdn(self, st, rest):
        sha, _, query = rest.partition("?")
        key = urllib.parse.unquote(urllib.parse.parse_qs(query).get("key", [""])[0])
        for repo in st["repos"].values():
            for d in repo["commits"].values():
                p = os.path.join(d, "model.safetensors")
                if os.path.isfile(p):
                    with open(p, "rb") as f:
                        data = f.read()
                    if hashlib.sha256(data).hexdigest() == sha:
                        return self.send_body(st, key, data, {"ETag": '"%s"' % sha})
        return self.plain(404, "no such blob")

    def send_body(self, st, key, data, headers):
        if key in st.get("corrupt", []):
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        start = 0
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[6:-1])
            if start >= len(data):
                return self.plain(416, "range not satisfiable")
        body = data[start:]
        self.send_response(206 if start else 200)
        for k, v in headers.items():
            self.send_header(k, v)
        if start:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        with LOCK:
            drop = DROPPED.get(key, 0) < st.get("drop", {}).get(key, 0)
            if drop:
                DROPPED[key] = DROPPED.get(key, 0) + 1
        if drop:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        rate = st.get("throttle", {}).get(key, 0)
        if rate > 0:  # a slow link: 10 writes a second
            step = max(1, rate // 10)
            for i in range(0, len(body), step):
                self.wfile.write(body[i:i + step])
                self.wfile.flush()
                time.sleep(0.1)
            return
        self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client that gave up mid-body (the full-disk case) is expected


def main():
    srv = Server(("127.0.0.1", 0), Hub)
    tmp = PORTFILE + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, PORTFILE)
    srv.serve_forever()


if __name__ == "__main__":
    main()
