#!/usr/bin/env python3
"""Single-query DNA searches through a running node's API, timed from the client.

Creates a node in a temporary directory, imports N synthetic profiles of a national database's
mix (`liaison hits generate --mix`), starts the node, and sends one query per
`POST /api/v1/hits/dna/search` call over one keep-alive connection: stored profiles, near copies,
partial stains and fresh profiles, a quarter each. Prints the client-side p50/p99, the search's
own time as the node reports it (Server-Timing), and the difference.

Usage: scripts/dna-api-latency.py [LIAISON_BINARY] [PROFILES] [QUERIES]
Talks only to 127.0.0.1.
"""
import csv, http.client, io, json, os, random, socket, subprocess, sys, tempfile, time

binary = sys.argv[1] if len(sys.argv) > 1 else ".build/release/liaison"
profiles = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
count = int(sys.argv[3]) if len(sys.argv) > 3 else 400
work = tempfile.mkdtemp()
node = os.path.join(work, "node")
password = "latency-password-%d" % random.randrange(10**9)


def run(*args, stdin=None):
    return subprocess.run([binary, *args], input=stdin, capture_output=True, text=True, check=True).stdout


run("init", "--data-dir", node, "--agency-code", "XL-LAT", "--name", "Latency", "--jurisdiction", "XL")
run("user", "add", "--data-dir", node, "--username", "ivy", "--role", "investigator", "--password-stdin", stdin=password + "\n")
data = os.path.join(work, "dna.csv")
with open(data, "w") as out:
    subprocess.run([binary, "hits", "generate", "--count", str(profiles), "--seed", "29", "--mix"], stdout=out, check=True)
started = time.monotonic()
run("hits", "import", "--data-dir", node, "--category", "dna", "--file", data)
print(f"{profiles} profiles imported in {time.monotonic() - started:.1f} s")

rows = list(csv.DictReader(open(data)))
loci = sorted({name[:-3] for name in rows[0] if name.endswith("_a1")})
short = ["D2S441", "D10S1248", "TH01", "D22S1045", "D8S1179", "D3S1358", "D19S433", "D5S818", "D16S539", "vWA"]
rng = random.Random(7)


def query(row, kind):
    typed = {locus: [row[locus + "_a1"], row[locus + "_a2"]] for locus in loci if row[locus + "_a1"]}
    if kind == 1:  # a near copy: one allele one repeat longer
        locus = sorted(typed)[0]
        first, second = typed[locus]
        if "." not in second:
            typed[locus] = [first, str(int(second) + 1)]
    elif kind == 2:  # a partial stain of the shortest loci
        kept = short[: 6 + rng.randrange(5)]
        typed = {locus: alleles for locus, alleles in typed.items() if locus in kept}
    return {"reference": f"Q-{kind}", "loci": typed}


def searchable(item):
    """Six fully designated loci at least, as the node requires of a query."""
    return sum(1 for alleles in item["loci"].values() if "*" not in alleles and all(alleles)) >= 6


queries = []
while len(queries) < count:
    kind = len(queries) % 4
    row = rows[rng.randrange(len(rows))]
    if kind == 3:  # fresh: the alleles of other stored profiles, locus by locus
        row = {name: rows[rng.randrange(len(rows))][name] if name != "reference" else "fresh" for name in row}
        row.update({locus + "_a2": row[locus + "_a1"] and (row[locus + "_a2"] or row[locus + "_a1"]) for locus in loci})
    item = query(row, kind)
    if searchable(item):
        queries.append(item)

with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
server = subprocess.Popen([binary, "serve", "--data-dir", node, "--port", str(port), "--log-level", "warning"])
try:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    while True:
        try:
            connection.request("GET", "/readyz")
            response = connection.getresponse()
            body = response.read()
            if response.status == 200:
                break
        except OSError:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        time.sleep(0.2)
    connection.request("POST", "/api/v1/auth/token", json.dumps({"username": "ivy", "password": password}), {"content-type": "application/json"})
    token = json.loads(connection.getresponse().read())["token"]
    headers = {"content-type": "application/json", "authorization": "Bearer " + token}
    # The first search waits for the index if the node is still building it.
    connection.request("POST", "/api/v1/hits/dna/search", json.dumps({"queries": [queries[0]], "purpose": "latency"}), headers)
    connection.getresponse().read()
    print(f"node ready and index warm {time.monotonic() - started:.1f} s after start")
    client, searched = [], []
    parts = {"parse": [], "audit": []}
    hits = 0
    for item in queries:
        body = json.dumps({"queries": [item], "purpose": "latency"})
        started = time.perf_counter()
        connection.request("POST", "/api/v1/hits/dna/search", body, headers)
        response = connection.getresponse()
        answer = response.read()
        client.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, answer
        timing = response.getheader("server-timing") or ""
        for part in timing.split(","):
            name, _, rest = part.strip().partition(";dur=")
            if name == "search":
                searched.append(float(rest))
            elif name in parts:
                parts[name].append(float(rest))
        hits += sum(1 for a in json.loads(answer)["answers"] if a["outcome"] != "no-hit")
    client.sort()
    searched.sort()
    pick = lambda values, q: values[min(len(values) - 1, int(len(values) * q))] if values else float("nan")
    print(f"{len(client)} single-query calls, {hits} with a hit: client p50 {pick(client, .5):.2f} ms, p99 {pick(client, .99):.2f} ms")
    if searched:
        print(f"search alone (Server-Timing): p50 {pick(searched, .5):.2f} ms, p99 {pick(searched, .99):.2f} ms; "
              f"around it: p50 {pick(client, .5) - pick(searched, .5):.2f} ms")
        for name, values in parts.items():
            values.sort()
            print(f"  {name}: p50 {pick(values, .5):.2f} ms, p99 {pick(values, .99):.2f} ms")
finally:
    server.terminate()
    server.wait()
