#!/usr/bin/env python3
"""The documentation holds together: the README is a short guide (at most 200
lines) that starts with the two set-up commands, every relative link in the
README, docs/ and the examples' READMEs names a file (and a heading) that
exists, and the text speaks to users, not of how the project was built.

Usage: docs_test.py REPOSITORY_ROOT
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
problems = []

readme = (root / "README.md").read_text()
lines = readme.splitlines()
if len(lines) > 200:
    problems.append(f"README.md has {len(lines)} lines; the guide keeps to 200 (reference goes to docs/)")
first_commands = [l for l in lines if l.startswith("./scripts/")][:2]
if [c.split()[0] for c in first_commands] != ["./scripts/demo.sh", "./scripts/test.sh"]:
    problems.append(f"README.md's first two commands are {first_commands}, not demo.sh and test.sh")


def slug(heading):
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes."""
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(path):
    out = set()
    in_code = False
    for line in path.read_text().splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            out.add(slug(line.lstrip("#")))
    return out


pages = [root / "README.md"] + sorted((root / "docs").rglob("*.md")) + sorted(
    (root / "examples").glob("*/README.md"))
link = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
history = re.compile(r"\b(issue \d+|the seed's|this session|the brief)\b", re.IGNORECASE)
for page in pages:
    text = page.read_text()
    in_code = False
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        where = f"{page.relative_to(root)}:{number}"
        if history.search(line):
            problems.append(f"{where}: words of the project's history: {history.search(line).group(0)!r}")
        for target in link.findall(line):
            if re.match(r"^[a-z]+:", target):
                continue  # https:, mailto:, file:
            file, _, anchor = target.partition("#")
            dest = (page.parent / file).resolve() if file else page
            if not dest.exists():
                problems.append(f"{where}: link to {target}: {file} does not exist")
            elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                problems.append(f"{where}: link to {target}: no heading '#{anchor}' in {dest.name}")

for p in problems:
    print(p)
print(f"docs_test: {len(pages)} pages, {len(problems)} problems")
sys.exit(1 if problems else 0)
