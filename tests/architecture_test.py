#!/usr/bin/env python3
"""The tree's shape, checked: dependencies run one way
(cli -> actors -> net/runtime -> models; report/ is used by cli/ only), each
runtime room includes only the rooms below it (docs/architecture.md), no file
under actors/ grows past 500 lines (the scheduler actor past 450) and no
runtime room past 30 source files.

Usage: architecture_test.py SOURCE_DIR. Exits 1 and names every include that
breaks a rule."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")

# What each part of the tree may include (besides itself). Runtime rooms list
# the rooms below them; models/ and net/ see no other part of troupe.
ROOMS = {
    "runtime/privacy": set(),
    "runtime/spool": set(),
    "runtime/secagg": {"models"},
    "runtime/core": {"runtime/privacy", "models"},
    "runtime/system": {"runtime/privacy", "runtime/core", "models"},
    "runtime/allocation": {"runtime/privacy", "runtime/core", "models"},
    "runtime/gap": {"runtime/allocation", "runtime/privacy", "runtime/core", "models"},
    "runtime/aggregation": {"runtime/spool", "runtime/privacy", "runtime/core", "models"},
    "runtime/secure": {"runtime/secagg", "runtime/core", "models"},
    "runtime/node": {"runtime/privacy", "runtime/aggregation", "runtime/core", "models"},
    "runtime/dp": {"runtime/privacy", "runtime/node", "runtime/aggregation", "runtime/core",
                   "models"},
    "runtime/io": {"runtime/dp", "runtime/privacy", "runtime/node", "runtime/aggregation", "runtime/allocation",
                   "runtime/core", "models"},
    "runtime/scheduling": {"runtime/dp", "runtime/privacy", "runtime/io", "runtime/node", "runtime/aggregation",
                           "runtime/allocation", "runtime/system", "runtime/core", "models"},
    "runtime/simulation": {"runtime/dp", "runtime/privacy", "runtime/scheduling", "runtime/io", "runtime/node",
                           "runtime/aggregation", "runtime/allocation", "runtime/system",
                           "runtime/core", "models"},
    "models": set(),
    "net": set(),
    "report": {"runtime", "models"},
    "actors": {"runtime", "net", "models"},
}
# Headers that carry an actor framework or LibTorch stay out of these parts.
FORBIDDEN_SYSTEM = {
    "runtime": re.compile(r"#include\s*<caf/"),
    "models": re.compile(r"#include\s*<caf/"),
    "report": re.compile(r"#include\s*<(caf|torch)/"),
}
INCLUDE = re.compile(r'#include\s*"([a-z_]+(?:/[a-z_]+)*)/[A-Za-z0-9_.]+"')


def part_of(rel):
    """The part (room) a path belongs to: the longest key of ROOMS it starts with."""
    best = None
    for key in ROOMS:
        if rel == key or rel.startswith(key + "/"):
            if best is None or len(key) > len(best):
                best = key
    return best


def allowed(part, target_dir):
    if part_of(target_dir) == part:
        return True
    for dep in ROOMS[part]:
        if target_dir == dep or target_dir.startswith(dep + "/"):
            return True
    return False


problems = []
paths = sorted({p for top in ("runtime", "models", "net", "report", "actors")
                for p in (root / top).rglob("*")})
for path in paths:
    if path.suffix not in {".cpp", ".hpp", ".cu"}:
        continue
    rel = path.relative_to(root).as_posix()
    part = part_of(rel)
    if part is None:
        continue
    text = path.read_text(errors="replace")
    for n, line in enumerate(text.splitlines(), 1):
        m = INCLUDE.match(line.strip())
        if m and m.group(1).split("/")[0] in {"runtime", "models", "actors", "net", "report", "cli"}:
            if not allowed(part, m.group(1)):
                problems.append(f"{rel}:{n}: {part} must not include {m.group(1)}/")
        for prefix, pattern in FORBIDDEN_SYSTEM.items():
            if (rel.startswith(prefix + "/")) and pattern.match(line.strip()):
                problems.append(f"{rel}:{n}: {prefix}/ must not include {line.strip()}")

# Size limits that keep the shape: actors stay translators, rooms stay small.
LIMITS = {"actors/scheduler_actor.cpp": 450}
for path in sorted((root / "actors").glob("*.[ch]pp")):
    rel = path.relative_to(root).as_posix()
    lines = len(path.read_text(errors="replace").splitlines())
    limit = LIMITS.get(rel, 500)
    if lines > limit:
        problems.append(f"{rel}: {lines} lines, more than {limit}: split it")
for room in sorted((root / "runtime").iterdir()):
    if room.is_dir():
        count = sum(1 for f in room.iterdir() if f.suffix in {".cpp", ".hpp", ".cu"})
        if count > 30:
            problems.append(f"runtime/{room.name}: {count} source files, more than 30: split the room")

for p in problems:
    print(p)
print(f"architecture: {len(problems)} problems")
sys.exit(1 if problems else 0)
