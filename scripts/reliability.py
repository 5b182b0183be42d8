#!/usr/bin/env python3
"""Reliability test of the secure exchange: exactly once under crashes.

Starts three nodes as separate `liaison serve` processes on loopback (TLS between them), sends
messages from two senders to mixed recipients while it SIGKILLs and restarts the receiving node
and one sending node several times, then checks in every node's database that each committed
message reached each of its recipients exactly once, with a delivery receipt whose Ed25519
signature verifies against the recipient's published key. Prints
`delivered=N lost=0 duplicated=0` and exits non-zero on any loss, duplicate or bad receipt.

Usage: scripts/reliability.py [--binary .build/debug/liaison] [--messages 2000]
Needs the `cryptography` package (PyPI) to verify receipts independently of Liaison.
"""
import argparse
import base64
import concurrent.futures
import hashlib
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

PASSWORD = "reliability-password-1"


def signed_bytes(signed, receipt_bytes):
    """What the issuer signed for this receipt (docs/envelope.md): the receipt itself, or the head
    of the Merkle tree of a batch of receipts, after checking this receipt's inclusion proof
    (RFC 9162 §2.1.3.2)."""
    batch = signed.get("batch")
    if batch is None:
        return b"liaison-receipt/1\n" + receipt_bytes
    node = lambda left, right: hashlib.sha256(b"\x01" + left + right).digest()
    fn, sn = batch["index"], batch["size"] - 1
    r = hashlib.sha256(b"\x00" + receipt_bytes).digest()
    for p in map(base64.b64decode, batch["proof"]):
        assert sn != 0, "proof too long"
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while True:
                    fn, sn = fn >> 1, sn >> 1
                    if fn & 1 or fn == 0:
                        break
        else:
            r = node(r, p)
        fn, sn = fn >> 1, sn >> 1
    assert sn == 0 and r == base64.b64decode(batch["root"]), "inclusion proof does not verify"
    return b"liaison-receipts/1\n" + batch["size"].to_bytes(8, "big") + r


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Node:
    def __init__(self, binary, root, code, jurisdiction):
        self.binary, self.code = binary, code
        self.dir = os.path.join(root, code.lower())
        self.port, self.fed_port = free_port(), free_port()
        self.process = None
        self.log = open(os.path.join(root, code.lower() + ".log"), "ab")
        run([binary, "init", "--data-dir", self.dir, "--agency-code", code, "--name", f"Agency {code}",
             "--jurisdiction", jurisdiction, "--endpoint", f"https://127.0.0.1:{self.fed_port}"])
        run([binary, "user", "add", "--data-dir", self.dir, "--username", "investigator", "--role", "investigator", "--password-stdin"],
            input=PASSWORD + "\n")
        self.identity = json.loads(run([binary, "identity", "--data-dir", self.dir]))
        self.token = None

    def start(self):
        self.process = subprocess.Popen(
            [self.binary, "serve", "--data-dir", self.dir, "--port", str(self.port), "--federation-port", str(self.fed_port),
             "--max-retry-delay", "1", "--log-level", "warning"], stdout=self.log, stderr=self.log)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=1):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError(f"{self.code} did not start")
        self.token = api(self, "/api/v1/auth/token", {"username": "investigator", "password": PASSWORD}, auth=False)["token"]

    def kill(self):
        if self.process:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.process = None

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def db(self):
        return sqlite3.connect(os.path.join(self.dir, "liaison.sqlite"), timeout=30)


def run(arguments, input=None):
    result = subprocess.run(arguments, input=input, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(arguments[:3])}: {result.stderr.strip()}")
    return result.stdout


def api(node, path, body=None, auth=True):
    request = urllib.request.Request(f"http://127.0.0.1:{node.port}{path}", method="POST" if body is not None else "GET")
    if body is not None:
        request.add_header("Content-Type", "application/json")
        request.data = json.dumps(body).encode()
    if auth:
        request.add_header("Authorization", f"Bearer {node.token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/debug/liaison")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--timeout", type=int, default=600)
    options = parser.parse_args()
    root = tempfile.mkdtemp(prefix="liaison-reliability-")
    # Run a private copy, so that a rebuild during the test cannot swap the binary under it.
    private = os.path.join(root, "liaison")
    subprocess.run(["cp", options.binary, private], check=True)
    options.binary = private
    a, b, c = Node(options.binary, root, "XA-POL", "XA"), Node(options.binary, root, "XB-CUS", "XB"), Node(options.binary, root, "XC-PRO", "XC")
    nodes = [a, b, c]
    agreement = {
        "id": "AGR-RELIABILITY", "parties": [n.code for n in nodes], "legalBasis": "Council Framework Decision 2006/960/JHA",
        "purposes": ["investigation"], "dataCategories": ["message"], "dataSubjectCategories": ["suspect"], "hitNoHitOnly": False,
        "validFrom": "2020-01-01T00:00:00Z", "validUntil": "2099-01-01T00:00:00Z", "impactAssessmentRef": "HRIA-TEST",
    }
    agreement_file = os.path.join(root, "agreement.json")
    json.dump(agreement, open(agreement_file, "w"))
    for node in nodes:
        for other in nodes:
            if other is not node:
                path = os.path.join(root, other.code + ".identity.json")
                json.dump(other.identity, open(path, "w"))
                run([options.binary, "partner", "add", "--data-dir", node.dir, "--identity", path, "--yes"])
        run([options.binary, "agreement", "add", "--data-dir", node.dir, "--file", agreement_file])
    try:
        run_test(options, root, nodes)
    finally:
        for node in nodes:
            node.kill()


def run_test(options, root, nodes):
    a, b, c = nodes
    for node in nodes:
        node.start()
    # Messages name one of the sender's open cases (the safeguards refuse any other reference).
    for node in (a, b):
        api(node, "/api/v1/cases", {"reference": f"{node.code}-RELIABILITY", "title": "Reliability run",
                                    "offenceCategories": ["other"], "legalBasis": "Test of the exchange under crashes"})

    stop_chaos = threading.Event()
    kills = {"XC-PRO": 0, "XA-POL": 0}
    sender_down = threading.Event()

    def chaos():
        # Kill the receiving node C often, and the sending node A now and then, at random moments.
        rounds = 0
        while not stop_chaos.wait(random.uniform(0.8, 1.6)):
            rounds += 1
            c.kill(); kills["XC-PRO"] += 1
            time.sleep(random.uniform(0.2, 0.8))
            c.start()
            if rounds % 3 == 0:
                sender_down.set()
                a.kill(); kills["XA-POL"] += 1
                time.sleep(random.uniform(0.2, 0.6))
                a.start()
                sender_down.clear()

    chaos_thread = threading.Thread(target=chaos, daemon=True)
    chaos_thread.start()

    def send(index):
        sender = a if index % 2 == 0 else b
        others = [n.code for n in nodes if n is not sender]
        recipients = random.sample(others, random.choice([1, 2]))
        body = {"to": recipients, "subject": f"reliability {index}", "body": f"message {index}", "purpose": "investigation",
                "legalBasis": "FD 2006/960/JHA", "handlingCode": "H0", "evaluation": {"source": "B", "information": 2},
                "caseRef": f"{sender.code}-RELIABILITY"}
        for _ in range(200):
            try:
                return api(sender, "/api/v1/messages", body)["id"]
            except (urllib.error.URLError, ConnectionError, OSError, KeyError, TypeError):
                # The sender is down (or was killed mid-request); the message may or may not have
                # been committed. Committed messages are counted from the sender's own database.
                time.sleep(0.1)
        raise RuntimeError(f"message {index} could not be sent")

    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(send, range(options.messages)))
    stop_chaos.set()
    chaos_thread.join()
    sent_seconds = time.time() - started

    # Wait until no delivery is queued any more.
    deadline = time.time() + options.timeout
    while time.time() < deadline:
        queued = sum(n.db().execute("select count(*) from deliveries where state = 'queued'").fetchone()[0] for n in nodes)
        if queued == 0:
            break
        time.sleep(0.5)

    expected, delivered, lost, duplicated, bad_receipts, failed, batched = 0, 0, 0, 0, 0, 0, 0
    keys = {n.code: Ed25519PublicKey.from_public_bytes(base64.b64decode(n.identity["signingKey"]["publicKey"])) for n in nodes}
    by_code = {n.code: n for n in nodes}
    inboxes = {}
    for node in nodes:
        rows = node.db().execute("select message_id, count(*) from received_envelopes group by message_id").fetchall()
        duplicated += sum(count - 1 for _, count in rows if count > 1)
        inbox = node.db().execute("select id, count(*) from messages where box = 'inbox' group by id").fetchall()
        duplicated += sum(count - 1 for _, count in inbox if count > 1)
        inboxes[node.code] = {message_id for message_id, _ in inbox}
    for sender in (a, b):
        for message_id, recipient, state, receipt_json in sender.db().execute(
                "select message_id, recipient, state, receipt_json from deliveries where kind = 'message'"):
            expected += 1
            if message_id not in inboxes[recipient]:
                lost += 1
                continue
            if state != "delivered" or not receipt_json:
                failed += 1
                continue
            signed = json.loads(receipt_json)
            receipt_bytes = base64.b64decode(signed["receipt"])
            try:
                keys[recipient].verify(base64.b64decode(signed["signature"]), signed_bytes(signed, receipt_bytes))
                batched += "batch" in signed
                receipt = json.loads(receipt_bytes)
                assert receipt["messageId"] == message_id and receipt["issuer"] == recipient and receipt["kind"] == "delivery"
                delivered += 1
            except Exception:
                bad_receipts += 1
    for node in nodes:
        node.stop()
    print(f"sent {options.messages} requests in {sent_seconds:.1f} s; {expected} (message, recipient) deliveries committed; "
          f"killed XC-PRO {kills['XC-PRO']}x and XA-POL {kills['XA-POL']}x")
    print(f"receipts verified: {delivered - batched} signed alone, {batched} signed in batches (Merkle inclusion proofs)")
    print(f"delivered={delivered} lost={lost} duplicated={duplicated}" + (f" unconfirmed={failed} bad_receipts={bad_receipts}" if failed or bad_receipts else ""))
    ok = lost == 0 and duplicated == 0 and failed == 0 and bad_receipts == 0 and delivered == expected and expected >= options.messages
    if not ok:
        print(f"FAILED; logs in {root}", file=sys.stderr)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
