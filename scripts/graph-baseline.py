#!/usr/bin/env python3
"""The baseline of the joint-analysis benchmark (Benchmarks/GraphBenchmarks): networkx over the same
random graph — 1,000,000 entities, 5,000,000 links, link i joining e(a) and e(b) for the next two
numbers of SplitMix64(42) modulo the entity count — timing the neighbourhood to depth 2
(single_source_shortest_path_length with cutoff 2) and the shortest path (bidirectional
shortest_path) for the same random entities as the Swift benchmark (SplitMix64 seeds 7 and 11).

Run: python3 scripts/graph-baseline.py [--entities N --links M --queries Q]  (needs networkx)
"""
import argparse
import statistics
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--links", type=int, default=5_000_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    numbers = splitmix(42)
    graph = networkx.Graph()
    graph.add_nodes_from(f"e{i}" for i in range(args.entities))
    started = time.perf_counter()
    for _ in range(args.links):
        a = next(numbers) % args.entities
        b = next(numbers) % args.entities
        graph.add_edge(f"e{a}", f"e{b}")
    print(f"built {args.entities:,} entities and {args.links:,} links in {time.perf_counter() - started:.1f} s")

    def percentiles(name, samples):
        samples.sort()
        p50 = statistics.median(samples)
        p95 = samples[int(0.95 * (len(samples) - 1))]
        print(f"{name}: p50 {p50 * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms ({len(samples)} queries)")

    starts = splitmix(7)
    samples = []
    for _ in range(args.queries):
        source = f"e{next(starts) % args.entities}"
        t = time.perf_counter()
        networkx.single_source_shortest_path_length(graph, source, cutoff=2)
        samples.append(time.perf_counter() - t)
    percentiles("networkx neighbourhood depth 2", samples)

    pairs = splitmix(11)
    samples = []
    for _ in range(args.queries):
        source, target = f"e{next(pairs) % args.entities}", f"e{next(pairs) % args.entities}"
        t = time.perf_counter()
        try:
            networkx.bidirectional_shortest_path(graph, source, target)
        except networkx.NetworkXNoPath:
            pass
        samples.append(time.perf_counter() - t)
    percentiles("networkx shortest path", samples)


if __name__ == "__main__":
    main()
