#!/usr/bin/env python3
"""Throws generated and mutated requests at every route of both listeners of a real node and fails
if the process dies or answers 500.

Two nodes (A and B) are made with the CLI and federated. Every route of A's OpenAPI document is
called, as every role (web routes with a browser session, API routes with a bearer token), with
hostile path segments, query values, headers and bodies: JSON with extreme numbers and control
characters, urlencoded forms, multipart forms with broken boundaries and headers, raw bytes. On the
federation listener, B's client certificate is presented (mutual TLS) and the bodies are mutations
of real ones: B's envelopes to A taken from B's outbox, and checkpoints signed with B's own key
(so that the witness gets past the signature to the sizes and proofs).

Usage: scripts/fuzz-node.py --binary .build/debug/liaison [--requests 3000] [--seed N]
Exit 0 when every request got an answer below 500 and both nodes are still up.
"""
import argparse
import base64
import hashlib
import http.client
import json
import os
import random
import re
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse

PASSWORD = "fuzzing passphrase for every role"
ROLES = ["investigator", "analyst", "supervisor", "liaison-officer", "judicial-authority", "data-protection-officer", "oversight", "administrator"]

EVIL_SEGMENTS = [
    "0", "-1", "1", "9223372036854775807", "9223372036854775808", "18446744073709551615", "99999999999999999999999999",
    "..%2F..%2Fetc%2Fpasswd", "%00", "%FF%FE", "a" * 5000, "%C3%A9", "nil", "null", "%20", "1e400", "0x10",
    "01a0c450-6c00-7717-a7d3-ce185a7f78ea", "ffffffff-ffff-ffff-ffff-ffffffffffff", "%E2%80%AE", "%0D%0ASet-Cookie:x=1",
]
EVIL_STRINGS = [
    "", " ", "\u0000", "a\u0000b", "\u202e", "é", "𝔘", "<script>alert(1)</script>", "'; DROP TABLE users; --", "../../etc/passwd",
    "x" * 70_000, "\r\n", "9223372036854775808", "-0", "NaN", "1e400", "%s%n", "{{title}}", "\ud7ff", "H5", "X9",
]
EVIL_NUMBERS = [0, -1, 1, 2**31, 2**63 - 1, 2**63, 2**64 - 1, 2**64, 10**30, -(2**63), 1e308, -1e308, 0.5, 1e-320]
CONTENT_TYPES = [
    "application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=", "multipart/form-data; boundary=\"\"",
    "multipart/form-data; boundary=x", "multipart/form-data", "text/plain; charset=utf-8", "application/octet-stream",
    "application/json; charset=utf-16", "text/csv", "multipart/form-data; boundary=" + "b" * 200, "multipart/form-data; boundary=é",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(arguments, input=None):
    result = subprocess.run(arguments, input=input, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(arguments[:3])}: {result.stderr.strip()}")
    return result.stdout


# Routes that end the caller's session or tokens (or another user's): fuzzed after everything else.
ENDS_CREDENTIALS = ("/logout", "/api/v1/auth/revocation", "/api/v1/users/{username}/revocation")


class Node:
    def __init__(self, binary, root, code):
        self.binary, self.code = binary, code
        self.dir = os.path.join(root, code.lower())
        self.port, self.fed_port = free_port(), free_port()
        self.log = open(os.path.join(root, code.lower() + ".log"), "ab")
        run([binary, "init", "--data-dir", self.dir, "--agency-code", code, "--name", f"Agency {code}", "--jurisdiction", code[:2],
             "--endpoint", f"https://127.0.0.1:{self.fed_port}"])
        for role in ROLES:
            run([binary, "user", "add", "--data-dir", self.dir, "--username", role, "--role", role, "--password-stdin"], input=PASSWORD + "\n")
        self.identity = json.loads(run([binary, "identity", "--data-dir", self.dir]))
        self.process = None

    def start(self):
        self.process = subprocess.Popen([self.binary, "serve", "--data-dir", self.dir, "--port", str(self.port), "--federation-port", str(self.fed_port),
                                         "--max-retry-delay", "1", "--log-level", "warning"], stdout=self.log, stderr=self.log)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/readyz")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.code} did not start")

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self):
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


class Fuzzer:
    def __init__(self, a, b, rng, budget):
        self.a, self.b, self.rng = a, b, rng
        self.budget = budget
        self.sent = 0
        self.failures = []
        self.statuses = {}
        self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.tls.check_hostname = False
        self.tls.verify_mode = ssl.CERT_NONE
        self.tls.load_cert_chain(os.path.join(b.dir, "keys", "tls.crt"), os.path.join(b.dir, "keys", "tls.key"))
        self.tokens, self.sessions = {}, {}

    # --- plumbing

    def request(self, method, path, body=b"", headers=None, federation=False):
        headers = dict(headers or {})
        if body and "Content-Length" not in headers:
            headers["Content-Length"] = str(len(body))
        self.sent += 1
        try:
            if federation:
                connection = http.client.HTTPSConnection("127.0.0.1", self.a.fed_port, context=self.tls, timeout=30)
            else:
                connection = http.client.HTTPConnection("127.0.0.1", self.a.port, timeout=30)
            connection.putrequest(method, path, skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.endheaders(body or None)
            response = connection.getresponse()
            data = response.read()
            connection.close()
        except (ConnectionError, http.client.HTTPException, socket.timeout, ssl.SSLError) as error:
            if not self.a.alive():
                self.failures.append(f"{method} {path[:120]}: the node died ({error})")
                raise SystemExit(self.report())
            # A connection the server closed on a malformed request line or header is an answer.
            self.statuses["closed"] = self.statuses.get("closed", 0) + 1
            return None, b""
        self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
        if response.status >= 500:
            self.failures.append(f"{method} {path[:120]} ({headers.get('Content-Type', '')}): {response.status} {data[:200]!r}")
        return response, data

    def token(self, role):
        if role not in self.tokens:
            _, data = self.request("POST", "/api/v1/auth/token", json.dumps({"username": role, "password": PASSWORD}).encode(), {"Content-Type": "application/json"})
            self.tokens[role] = json.loads(data)["token"]
        return self.tokens[role]

    def session(self, role):
        """A browser session: the cookie header and the page CSRF token."""
        if role not in self.sessions:
            response, page = self.request("GET", "/login")
            csrf = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()
            cookie = response.getheader("Set-Cookie").split(";")[0]
            form = urllib.parse.urlencode({"username": role, "password": PASSWORD, "csrf": csrf}).encode()
            response, _ = self.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
            session_cookie = [c.split(";")[0] for c in response.headers.get_all("Set-Cookie") if "liaison_session" in c][0]
            _, dashboard = self.request("GET", "/dashboard", headers={"Cookie": session_cookie})
            page_csrf = re.search(rb'name="csrf" value="([^"]+)"', dashboard).group(1).decode()
            self.sessions[role] = (session_cookie, page_csrf)
        return self.sessions[role]

    # --- generators

    def evil_json(self, depth=0):
        choice = self.rng.random()
        if depth > 3 or choice < 0.35:
            return self.rng.choice(EVIL_STRINGS[:-10] + [s[:50] for s in EVIL_STRINGS] + EVIL_NUMBERS + [None, True, False])
        if choice < 0.7:
            keys = ["id", "to", "subject", "body", "purpose", "legalBasis", "handlingCode", "evaluation", "caseRef", "size", "index", "start", "end",
                    "username", "password", "role", "queries", "category", "envelopes", "entities", "validUntil", "days", "count", "limit", "names"]
            return {self.rng.choice(keys): self.evil_json(depth + 1) for _ in range(self.rng.randint(0, 6))}
        return [self.evil_json(depth + 1) for _ in range(self.rng.randint(0, 5))]

    def json_body(self):
        value = self.evil_json()
        text = json.dumps(value, ensure_ascii=self.rng.random() < 0.5)
        if self.rng.random() < 0.2:
            text = text.replace("1e+308", "1e400").replace("0.5", "-0.0e-999999")
        if self.rng.random() < 0.15:
            text = "[" * 600 + "]" * 600  # deep nesting
        if self.rng.random() < 0.1:
            text = text[: self.rng.randint(0, len(text))]  # truncated
        return text.encode("utf-8", "surrogatepass")

    def form_body(self, csrf):
        fields = {"csrf": csrf if self.rng.random() < 0.7 else self.rng.choice(EVIL_STRINGS[:8])}
        for _ in range(self.rng.randint(0, 8)):
            name = self.rng.choice(["to", "to[]", "subject", "body", "a[b][c][d][e]", "names", "profile", "category", "days", "index", "before",
                                    "responseWindowDays", "information", "source", "dob", "country", "list", "reason", "decision", "%00", "x" * 300])
            fields[name] = self.rng.choice(EVIL_STRINGS)[:2000]
        body = urllib.parse.urlencode(fields, doseq=True)
        if self.rng.random() < 0.2:
            body += "&" + "%" + self.rng.choice(["", "G", "0", "FF", "C3"]) + "=&&==&a[=1&a]]=2&" + "a[" * 200 + "=x"
        return body.encode()

    def multipart_body(self, csrf):
        boundary = self.rng.choice(["x", "----b", "", "é", "a b", "\"q\"", "b" * 80])
        header_name = self.rng.choice(["Content-Disposition", "Cöntent-Disposition", "\u00ff\u00fe", "X" * 500, "", "Content-Type"])
        parts = [f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"]
        for _ in range(self.rng.randint(0, 4)):
            name = self.rng.choice(["file", "list", "category", "caseRef", "description", "format", "x"])
            filename = self.rng.choice(["", "a.csv", "../../etc/passwd", "\u0000.txt", "é" * 300])
            content = self.rng.choice(["name,iban\nA,DE89370400440532013000\n", "\u0000" * 100, "x" * 10_000, "", "\r\n--" + boundary])
            parts.append(f"--{boundary}\r\n{header_name}: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n{content}\r\n")
        if self.rng.random() < 0.8:
            parts.append(f"--{boundary}--\r\n")
        body = "".join(parts).encode("utf-8", "surrogatepass")
        if self.rng.random() < 0.2:
            body = body[: self.rng.randint(0, len(body))]
        return body, f"multipart/form-data; boundary={boundary}" if self.rng.random() < 0.8 else self.rng.choice(CONTENT_TYPES)

    def path_for(self, template):
        def segment(_):
            return self.rng.choice(EVIL_SEGMENTS)
        path = re.sub(r"\{[^}]+\}", segment, template)
        if self.rng.random() < 0.7:
            names = ["before", "start", "end", "index", "size", "from", "to", "limit", "offset", "direction", "actor", "operation", "until", "days", "q", "page"]
            query = {self.rng.choice(names): self.rng.choice(EVIL_SEGMENTS + ["2026-13-45", "yesterday", ""]) for _ in range(self.rng.randint(1, 3))}
            path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        return path

    # --- the federation listener: mutations of real bodies

    def signing_key(self, node):
        from cryptography.hazmat.primitives import serialization
        with open(os.path.join(node.dir, "keys", "signing.key"), "rb") as handle:
            return serialization.load_pem_private_key(handle.read(), password=None)

    def signed_checkpoint(self, size, root):
        key = self.signing_key(self.b)
        from cryptography.hazmat.primitives import serialization
        public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        name = f"liaison/{self.b.code}/audit"
        text = f"{name}\n{size}\n{root}\n"
        key_id = hashlib.sha256(name.encode() + b"\n" + bytes([0x01]) + public).digest()[:4]
        signature = base64.b64encode(key_id + key.sign(text.encode())).decode()
        return text + "\n" + f"\u2014 {name} {signature}\n"

    def checkpoint_body(self):
        root = base64.b64encode(self.rng.choice([hashlib.sha256(b"").digest(), os.urandom(32), os.urandom(31)])).decode()
        size = self.rng.choice([0, 1, 2, 7, 2**48, 2**63 - 1, 2**63, 2**64 - 1, 10**25, -1])
        old = self.rng.choice([0, 1, 5, 2**63, 2**64 - 1, 10**30, -3, "x", ""])
        proof = "".join(base64.b64encode(os.urandom(self.rng.choice([32, 31, 0]))).decode() + "\n" for _ in range(self.rng.randint(0, 70)))
        note = self.signed_checkpoint(size, root)
        if self.rng.random() < 0.3:
            note = note.replace("\n\n", "\n", 1) if self.rng.random() < 0.5 else note[: self.rng.randint(0, len(note))]
        return f"old {old}\n{proof}\n{note}".encode()

    def real_envelopes(self):
        database = sqlite3.connect(os.path.join(self.b.dir, "liaison.sqlite"), timeout=30)
        columns = [row[1] for row in database.execute("PRAGMA table_info(deliveries)")]
        column = next((c for c in columns if "payload" in c), None)
        rows = [r[0] for r in database.execute(f"SELECT {column} FROM deliveries LIMIT 20")] if column else []
        database.close()
        return [r if isinstance(r, str) else r.decode() for r in rows]

    def mutate_json_text(self, text):
        try:
            value = json.loads(text)
        except ValueError:
            return text.encode()
        def walk(node):
            if isinstance(node, dict):
                for key in list(node):
                    roll = self.rng.random()
                    if roll < 0.15:
                        node[key] = self.evil_json(2)
                    elif roll < 0.25:
                        del node[key]
                    elif roll < 0.35 and isinstance(node[key], str):
                        raw = node[key].encode()
                        if raw:
                            index = self.rng.randrange(len(raw))
                            node[key] = (raw[:index] + bytes([raw[index] ^ 1]) + raw[index + 1:]).decode("latin-1")
                    else:
                        walk(node[key])
            elif isinstance(node, list):
                for index in range(len(node)):
                    walk(node[index])
        walk(value)
        return json.dumps(value).encode()

    def federation_body(self, path, envelopes):
        if path.endswith("add-checkpoint"):
            return self.checkpoint_body(), "text/plain; charset=utf-8"
        if envelopes and self.rng.random() < 0.7:
            envelope = self.rng.choice(envelopes)
            if path.endswith("/batch"):
                items = [self.mutate_json_text(envelope).decode() for _ in range(self.rng.randint(0, 4))] + [json.dumps(self.evil_json(2))]
                return ('{"envelopes":[' + ",".join(items) + "]}").encode(), "application/json"
            return self.mutate_json_text(envelope), "application/json"
        return self.json_body(), self.rng.choice(["application/json", "text/plain"])

    # --- the run

    def run(self, spec):
        routes = [(method.upper(), path) for path, item in spec["paths"].items() for method in item if method in ("get", "post", "put", "delete", "patch")]
        envelopes = self.real_envelopes()
        # Sign every role in first: fuzzing the sign-in routes makes many failed sign-ins from this
        # client, after which the node refuses sign-ins from it for a while (password spraying).
        for role in ROLES:
            self.token(role)
            self.session(role)
        print(f"{len(routes)} routes, {len(envelopes)} real envelopes to mutate, {self.budget} requests")
        rounds = 0
        while self.sent < self.budget:
            rounds += 1
            for method, template in routes:
                if self.sent >= self.budget:
                    break
                # Sign-out and revocations end the credentials the rest of the run uses: fuzzed last.
                if template in ENDS_CREDENTIALS:
                    continue
                path = self.path_for(template) if self.rng.random() < 0.8 else template
                if template.startswith("/federation/"):
                    body, content_type = self.federation_body(template, envelopes) if method == "POST" else (b"", None)
                    headers = {"Content-Type": content_type} if content_type else {}
                    self.request(method, path, body, headers, federation=True)
                    continue
                role = self.rng.choice(ROLES)
                headers = {}
                web = not template.startswith("/api/")
                if web:
                    cookie, csrf = self.session(role)
                    headers["Cookie"] = cookie
                else:
                    csrf = ""
                    if self.rng.random() < 0.9:
                        headers["Authorization"] = "Bearer " + self.token(role)
                    else:
                        headers["Authorization"] = self.rng.choice(["Bearer ", "Bearer a.b.c", "Basic Og==", "Bearer " + "x" * 9000])
                if self.rng.random() < 0.1:
                    headers["Accept-Language"] = self.rng.choice(["*", "zz-ZZ;q=2", "é" * 20, "en;q=NaN", "," * 300]).encode("utf-8").decode("latin-1")
                body = b""
                if method != "GET":
                    kind = self.rng.random()
                    if kind < 0.3:
                        body, headers["Content-Type"] = self.json_body(), "application/json"
                    elif kind < 0.6:
                        body, headers["Content-Type"] = self.form_body(csrf), "application/x-www-form-urlencoded"
                    elif kind < 0.85:
                        body, headers["Content-Type"] = self.multipart_body(csrf)
                    else:
                        body, headers["Content-Type"] = os.urandom(self.rng.randint(0, 4096)), self.rng.choice(CONTENT_TYPES)
                self.request(method, path, body, headers)
        for template in ENDS_CREDENTIALS:
            for _ in range(20):
                role = self.rng.choice(ROLES)
                path = self.path_for(template) if self.rng.random() < 0.8 else template
                if template.startswith("/api/"):
                    headers = {"Authorization": "Bearer " + self.token(role), "Content-Type": "application/json"}
                    body = self.json_body() if self.rng.random() < 0.7 else os.urandom(self.rng.randint(0, 512))
                else:
                    cookie, csrf = self.session(role)
                    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
                    body = self.form_body(csrf)
                self.request("POST", path, body, headers)
        # Both nodes must still answer.
        for node in (self.a, self.b):
            if not node.alive():
                self.failures.append(f"{node.code} is no longer running")
        response, _ = self.request("GET", "/healthz")
        if response is None or response.status != 200:
            self.failures.append("A no longer answers /healthz")
        return self.report()

    def report(self):
        print(f"statuses: {dict(sorted(self.statuses.items(), key=lambda kv: str(kv[0])))}")
        for failure in self.failures[:50]:
            print("FAIL", failure)
        passed = self.sent - len(self.failures)
        print(f"fuzz: {passed} passed, {len(self.failures)} failed")
        return 1 if self.failures else 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/debug/liaison")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    options = parser.parse_args()
    print(f"seed {options.seed} (rerun with --seed {options.seed})")
    rng = random.Random(options.seed)
    root = tempfile.mkdtemp(prefix="liaison-fuzz-")
    binary = os.path.join(root, "liaison")
    subprocess.run(["cp", options.binary, binary], check=True)
    a, b = Node(binary, root, "XA-POL"), Node(binary, root, "XB-CUS")
    agreement = {
        "id": "AGR-FUZZ", "parties": [a.code, b.code], "legalBasis": "Council Framework Decision 2006/960/JHA", "purposes": ["investigation"],
        "dataCategories": ["message", "person", "vehicle", "dna", "bankAccount", "document", "evidence"], "dataSubjectCategories": ["suspect", "witness", "victim"],
        "hitNoHitOnly": False, "validFrom": "2020-01-01T00:00:00Z", "validUntil": "2099-01-01T00:00:00Z", "impactAssessmentRef": "HRIA-FUZZ",
    }
    with open(os.path.join(root, "agreement.json"), "w") as handle:
        json.dump(agreement, handle)
    for node, other in ((a, b), (b, a)):
        path = os.path.join(root, other.code + ".identity.json")
        with open(path, "w") as handle:
            json.dump(other.identity, handle)
        run([binary, "partner", "add", "--data-dir", node.dir, "--identity", path, "--yes"])
        run([binary, "agreement", "add", "--data-dir", node.dir, "--file", os.path.join(root, "agreement.json")])
    # B holds envelopes for A that never arrive (A is not started yet): real bodies to mutate.
    b.start()
    fuzzer = Fuzzer(a, b, rng, options.requests)
    token = None
    connection = http.client.HTTPConnection("127.0.0.1", b.port, timeout=30)
    connection.request("POST", "/api/v1/auth/token", json.dumps({"username": "investigator", "password": PASSWORD}), {"Content-Type": "application/json"})
    token = json.loads(connection.getresponse().read())["token"]
    # The seed messages name an open case of B's (the safeguards refuse any other reference).
    case = {"reference": "XB-2026-FUZZ", "title": "Fuzzing seed", "offenceCategories": ["other"], "legalBasis": "Test of the listeners"}
    connection = http.client.HTTPConnection("127.0.0.1", b.port, timeout=30)
    connection.request("POST", "/api/v1/cases", json.dumps(case), {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    connection.getresponse().read()
    for index in range(5):
        message = {"to": [a.code], "subject": f"fuzz seed {index}", "body": "a real message to mutate", "purpose": "investigation",
                   "legalBasis": "FD 2006/960/JHA", "handlingCode": "H0", "evaluation": {"source": "B", "information": 2}, "caseRef": "XB-2026-FUZZ"}
        connection = http.client.HTTPConnection("127.0.0.1", b.port, timeout=30)
        connection.request("POST", "/api/v1/messages", json.dumps(message), {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        connection.getresponse().read()
    a.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", a.port, timeout=30)
        connection.request("GET", "/api/v1/openapi.json")
        spec = json.loads(connection.getresponse().read())
        status = fuzzer.run(spec)
    finally:
        a.stop()
        b.stop()
    if status:
        print(f"node logs in {root}")
    sys.exit(status)


if __name__ == "__main__":
    main()
