#!/usr/bin/env python3
"""The baseline of the financial-investigation benchmark (Benchmarks/FinanceBenchmarks): networkx
over the same generated transactions, written by

    liaison finance generate --accounts 500000 --transactions 5000000 --patterns 200 --output generated.csv

(the benchmark's sizes and seed; the first payroll and rent payments make a few more rows). Times
loading the CSV into a networkx MultiDiGraph, a time-respecting forward search of 6 hops from the
same transactions as the Swift benchmark (ids gen-N for N drawn from SplitMix64(7)), without
attribution (the least a trace must do), and networkx's cycle search (simple_cycles with
length_bound 6) for at most --cycle-seconds.

Run: python3 scripts/finance-baseline.py generated.csv [--queries 100] [--cycle-seconds 300]
"""
import argparse
import csv
import heapq
import statistics
import sys
import time

import networkx

MASK = (1 << 64) - 1


def splitmix(seed):
    state = seed
    while True:
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        yield z ^ (z >> 31)


def forward(graph, by_id, origin, hops):
    """Accounts reached from a transaction by time-respecting paths of at most `hops` transfers."""
    source, target, when = by_id[origin]
    best = {target: when}
    frontier = [(when, target, 1)]
    reached = 0
    while frontier:
        arrived, account, depth = heapq.heappop(frontier)
        if depth >= hops:
            continue
        for _, creditor, data in graph.out_edges(account, data=True):
            if data["time"] >= arrived and best.get(creditor, "9999") > data["time"]:
                best[creditor] = data["time"]
                reached += 1
                heapq.heappush(frontier, (data["time"], creditor, depth + 1))
    return reached


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("csv")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--cycle-seconds", type=float, default=300)
    parser.add_argument("--modulus", type=int, default=5_000_000, help="ids are gen-(n mod this + 1), as in the Swift benchmark")
    args = parser.parse_args()
    started = time.perf_counter()
    graph = networkx.MultiDiGraph()
    by_id = {}
    with open(args.csv, newline="") as handle:
        for row in csv.DictReader(handle):
            graph.add_edge(row["debtor"], row["creditor"], key=row["id"], amount=row["amount"], time=row["date"])
            by_id[row["id"]] = (row["debtor"], row["creditor"], row["date"])
    print(f"networkx: loaded {graph.number_of_edges():,} transactions between {graph.number_of_nodes():,} accounts in {time.perf_counter() - started:.1f} s")
    numbers = splitmix(7)
    samples = []
    for _ in range(args.queries):
        origin = f"gen-{next(numbers) % args.modulus + 1}"
        begun = time.perf_counter()
        forward(graph, by_id, origin, 6)
        samples.append(time.perf_counter() - begun)
    samples.sort()
    print(f"networkx: 6-hop time-respecting forward search: p50 {statistics.median(samples) * 1000:.1f} ms, p95 {samples[int(0.95 * (len(samples) - 1))] * 1000:.1f} ms ({len(samples)} queries)")
    begun = time.perf_counter()
    cycles = 0
    simple = networkx.DiGraph(graph)
    for _ in networkx.simple_cycles(simple, length_bound=6):
        cycles += 1
        if time.perf_counter() - begun > args.cycle_seconds:
            print(f"networkx: simple_cycles(length_bound=6) found {cycles:,} cycles and was stopped after {args.cycle_seconds:.0f} s")
            return
    print(f"networkx: simple_cycles(length_bound=6) found {cycles:,} cycles in {time.perf_counter() - begun:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
