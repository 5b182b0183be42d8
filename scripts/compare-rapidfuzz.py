#!/usr/bin/env python3
"""Liaison's matcher against rapidfuzz in one run, over the same names and the same labelled queries.

Usage: scripts/compare-rapidfuzz.py LIAISON_BINARY SHARED_DATA [NAMES] [QUERIES]

1. `liaison lists evaluate --scale NAMES --export DIR` builds the harness (real OFAC, UN, OpenSanctions
   and US Congress names plus synthetic names up to NAMES), times Liaison's matcher in-process on QUERIES
   positive queries and writes the names and queries;
2. this script runs rapidfuzz's `process.extract` with Jaro-Winkler (`limit=10`, rapidfuzz's default
   processor: lower case, non-alphanumerics stripped) over the same names for the same queries, timing
   each call;
3. it prints recall (the listed party among the candidates) and p50/p99 latency for both, and the ratio.

Exit status 0 when Liaison is at least 20 times faster at equal or better recall (the issue's goal), 1
otherwise.
"""
import json
import statistics
import subprocess
import sys
import tempfile
import time

from rapidfuzz import process, utils
from rapidfuzz.distance import JaroWinkler


def main():
    binary, shared = sys.argv[1], sys.argv[2]
    names_target = sys.argv[3] if len(sys.argv) > 3 else "1000000"
    query_count = sys.argv[4] if len(sys.argv) > 4 else "200"
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([binary, "lists", "evaluate", "--data", shared, "--scale", names_target, "--export", out,
                        "--queries", query_count], check=True)
        liaison = json.load(open(f"{out}/liaison.json"))
        parties, names = [], []
        with open(f"{out}/names.tsv", encoding="utf-8") as handle:
            next(handle)
            for line in handle:
                party, name = line.rstrip("\n").split("\t", 1)
                parties.append(party)
                names.append(name)
        queries = [json.loads(line) for line in open(f"{out}/queries.jsonl", encoding="utf-8")]
    # rapidfuzz preprocesses the choices once, as a user of process.extract would.
    processed = [utils.default_process(name) for name in names]
    durations, hits = [], 0
    for query in queries:
        start = time.perf_counter()
        found = process.extract(utils.default_process(query["query"]), processed, scorer=JaroWinkler.normalized_similarity,
                                processor=None, limit=10)
        durations.append((time.perf_counter() - start) * 1e6)
        if any(parties[index] == query["expected"] for _, _, index in found):
            hits += 1
    durations.sort()
    rf_recall = hits / len(queries)
    rf_p50 = statistics.median(durations)
    rf_p99 = durations[min(len(durations) - 1, int(len(durations) * 0.99))]
    print(f"names {int(liaison['names'])}, queries {len(queries)}")
    print(f"liaison   recall {liaison['recall']:.3f} (threshold {liaison['threshold']})  p50 {liaison['p50_us']:.0f} µs  p99 {liaison['p99_us']:.0f} µs  resident {liaison['resident_mb']:.0f} MB")
    print(f"rapidfuzz recall {rf_recall:.3f} (top 10)        p50 {rf_p50:.0f} µs  p99 {rf_p99:.0f} µs")
    ratio = rf_p50 / liaison["p50_us"]
    print(f"liaison is {ratio:.1f}x faster at p50; recall {'equal or better' if liaison['recall'] >= rf_recall else 'LOWER'}")
    sys.exit(0 if ratio >= 20 and liaison["recall"] >= rf_recall else 1)


if __name__ == "__main__":
    main()
