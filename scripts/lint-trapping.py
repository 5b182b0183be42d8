#!/usr/bin/env python3
"""Fails on code that can stop the node on input: integer conversions that trap and force unwraps.

A Swift integer conversion such as `Int64(someUInt64)` or `Int(someDouble)` traps when the value
does not fit, and `x!` traps on nil: one request that reaches either stops the process (issue 20
found four such requests). In the paths that handle requests, partner messages and files, every
such conversion must be one that cannot trap (`exactly:`, `clamping:`, `truncatingIfNeeded:`,
`CheckedInteger`), or carry a `// checked: <why it cannot trap>` comment on its line that a
reviewer can judge. Force unwraps (`x!`, `try!`) need the same comment in the server and the store.

Usage: scripts/lint-trapping.py [ROOT]   (exit 1 and one line per finding when any is found)
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")

# Conversions: everything under Sources but the matching indexes' inner loops, which work on
# values validated when they were parsed (alleles, normalised names) and are benchmarked.
CONVERSION_EXCLUDED = {
    "Sources/LiaisonMatching/Screening/NameMatcher.swift",
    "Sources/LiaisonMatching/Screening/NameIndex.swift",
    "Sources/LiaisonMatching/DNA/DNAIndex.swift",
    "Sources/LiaisonMatching/Support/SplitMix64.swift",
    # The transaction graph's Int32 account and transaction indexes, widened to Int to index its
    # arrays; amounts are summed with saturatingAdding and shares taken with Int64.share.
    "Sources/LiaisonMatching/Finance/TransactionGraph.swift",
    "Sources/LiaisonMatching/Finance/FundsTracer.swift",
    "Sources/LiaisonMatching/Finance/TypologyDetector.swift",
}
# Force unwraps: the request, federation and storage paths.
UNWRAP_SCOPES = ("Sources/LiaisonServer/", "Sources/LiaisonStore/")

CONVERSION = re.compile(r"(?<![\w.])(?:U?Int(?:8|16|32|64)?)\((?!\s*(?:exactly|clamping|truncatingIfNeeded|bitPattern|ascii|littleEndian|bigEndian)\s*:)(?!\s*\))")
FORCE_UNWRAP = re.compile(r"(?:[\w)\]]!(?![=]))|(?:\btry!)|(?:\b(?:fatalError|preconditionFailure|precondition)\()")
STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def code_of(line: str) -> str:
    """The line without string literals and without its comment."""
    without_strings = STRING.sub('""', line)
    return without_strings.split("//", 1)[0]


findings = []
in_block_comment = False
for path in sorted((root / "Sources").rglob("*.swift")):
    relative = path.relative_to(root).as_posix()
    in_multiline_string = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = line.strip()
        if stripped.count('"""') % 2 == 1:
            in_multiline_string = not in_multiline_string
            continue
        if in_multiline_string or stripped.startswith("//") or stripped.startswith("*") or stripped.startswith("/*"):
            continue
        if "// checked:" in line:
            continue
        code = code_of(line)
        if relative not in CONVERSION_EXCLUDED and CONVERSION.search(code):
            findings.append(f"{relative}:{number}: integer conversion that can trap; use exactly:/clamping:/CheckedInteger or say '// checked: why'")
        if relative.startswith(UNWRAP_SCOPES) and FORCE_UNWRAP.search(code):
            findings.append(f"{relative}:{number}: force unwrap or trap; handle the case or say '// checked: why it cannot happen'")

for finding in findings:
    print(finding)
if findings:
    print(f"{len(findings)} finding(s): code that one input could stop the node with", file=sys.stderr)
    sys.exit(1)
print("lint-trapping: no unchecked conversion or force unwrap")
