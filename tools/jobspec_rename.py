#!/usr/bin/env python3
"""Rewrites C++ sources from the flat JobSpec to the typed, nested one.

Usage: tools/jobspec_rename.py [--check] [--format] [PATH ...]   (default: every tracked
*.cpp/*.hpp of the repository, found with `git ls-files`).

What it does, in this order, per file:
1. `<job>.old_field` and `<job>->old_field` become `<job>.group.new_field`
   (RENAMES), where <job> is an expression of type JobSpec: an identifier
   declared in the same file with type JobSpec (or optional<JobSpec>, JobSpec&,
   JobSpec*), one of ALWAYS_JOB, or a chain in JOB_CHAINS (RunReport::config).
   Member calls (`x.mode()`) are left alone.
2. Comparisons and assignments of the enum-typed options with string literals
   (`job.collab.mode == "async"`, `job.train.model = "mlp"`,
   `EXPECT_EQ(report.status, "ok")`) use the enumerators instead
   (`runtime::Mode::async`). The qualifier is `runtime::` in files that open a
   `troupe` namespace or say `using namespace troupe;`, else `troupe::runtime::`.
3. `strategy_options(<job>)` becomes `<job>.collab.strategy_options` and
   `train_options(<job>, <seed>)` becomes `<job>.train.options(<seed>)`.
4. `finish(self, "ok", ...)` and `<x>.report(<wall>, "failed", ...)` pass
   RunStatus::ok / RunStatus::failed, and those two functions take a RunStatus.
5. `models::parse_model_kind(<job>.train.model)` becomes `<job>.train.model`
   (already a models::ModelKind); the file's `if (!kind) ... unknown model ...;`
   line goes and `*kind` becomes `kind`.

It is deterministic and idempotent: renamed paths start with a group name that
is no old field, so a second run changes nothing. --check lists the files it
would change and exits 1 if any; --format runs clang-format -i on the files it
changed (the renames make some lines too long). Hand edits remain where an enum option meets a
string other than a literal (e.g. passing job.train.model to a function taking
a std::string: use to_string()); the compiler points at each.
"""
import re
import subprocess
import sys
from pathlib import Path

RENAMES = {
    "model": "train.model",
    "partition": "data.partition",
    "alpha": "data.alpha",
    "local_epochs": "train.local_epochs",
    "local_steps": "train.local_steps",
    "batch_size": "train.batch_size",
    "lr": "train.lr",
    "momentum": "train.momentum",
    "threads": "compute.threads",
    "device": "compute.device",
    "data_dir": "data.data_dir",
    "train_limit": "data.train_limit",
    "test_limit": "data.test_limit",
    "policy": "cluster.policy",
    "task_timeout_s": "cluster.task_timeout_s",
    "min_nodes": "cluster.min_nodes",
    "join_timeout_s": "cluster.join_timeout_s",
    "labels_per_node": "data.labels_per_node",
    "node_behaviour": "cluster.node_behaviour",
    "public_examples": "distill.public_examples",
    "distill_weight": "distill.weight",
    "distill_temperature": "distill.temperature",
    "distill_eval": "distill.eval",
    "mode": "collab.mode",
    "strategy": "collab.strategy",
    "prox_mu": "train.prox_mu",
    "server_lr": "collab.strategy_options.server_lr",
    "server_momentum": "collab.strategy_options.server_momentum",
    "beta1": "collab.strategy_options.beta1",
    "beta2": "collab.strategy_options.beta2",
    "tau": "collab.strategy_options.tau",
    "trim_fraction": "collab.strategy_options.trim_fraction",
    "byzantine": "collab.strategy_options.byzantine",
    "multi_krum": "collab.strategy_options.multi_krum",
    "clip_norm": "collab.strategy_options.clip_norm",
    "clients_per_round": "sync.clients_per_round",
    "over_selection": "sync.over_selection",
    "round_deadline_s": "sync.round_deadline_s",
    "min_updates": "sync.min_updates",
    "async_alpha": "async.alpha",
    "staleness": "async.staleness",
    "staleness_a": "async.staleness_a",
    "staleness_b": "async.staleness_b",
    "buffer_size": "async.buffer_size",
    "max_staleness": "async.max_staleness",
    "event_log": "async.event_log",
    "checkpoint_dir": "checkpoint.dir",
    "checkpoint_every": "checkpoint.every",
    "resume": "checkpoint.resume",
    "slow_nodes": "experiment.slow_nodes",
    "slow_factor": "experiment.slow_factor",
    "dropout": "experiment.dropout",
    "malicious": "experiment.malicious",
    "attack": "experiment.attack",
    "attack_scale": "experiment.attack_scale",
}
# name, nodes, rounds and seed stay where they were.

# Identifiers that are JobSpecs wherever they appear in this code base.
ALWAYS_JOB = ["job", "job_"]
# Member chains of type JobSpec whose declaration lives in another file.
JOB_CHAINS = [r"\b(?:r|report|run|rep)\.config", r"\bJobSpec\{\}",
              r"\bget_as<(?:troupe::)?(?:runtime::)?JobSpec>\(\w+\)"]
# Single-letter names are too generic to trust across a whole file.
NEVER_JOB = {"x", "o", "e", "r", "s", "t", "u"}

# The typed options and RunReport fields: member path -> enum type and names.
ENUMS = {
    r"collab\.mode": ("Mode", ["sync", "async", "buffered"]),
    r"train\.model": ("ModelKind", ["mlp", "cnn"]),
    r"data\.partition": ("Partition", ["iid", "dirichlet", "labels"]),
    r"distill\.eval": ("DistillEval", ["local", "student"]),
    r"async\.staleness": ("Staleness", ["constant", "polynomial", "hinge"]),
    r"experiment\.attack": ("Attack", ["scale", "signflip", "random"]),
    # RunReport::status and RunReport::mode (any owner: no other type in the
    # tree compares a .status with "ok"/"failed" or a .mode with these names).
    r"status": ("RunStatus", ["ok", "failed"]),
    r"mode": ("Mode", ["sync", "async", "buffered"]),
}

DECL = re.compile(
    r"\bJobSpec\s*>?\s*(?:const\s*)?[&*]*\s*(?:const\s+)?([A-Za-z_]\w*)\s*(?=[;,)=\[{]|$)", re.M)
IDENT = r"[A-Za-z_]\w*"


def job_names(text):
    names = set(ALWAYS_JOB)
    for m in DECL.finditer(text):
        if m.group(1) not in NEVER_JOB and not m.group(1)[0].isupper():
            names.add(m.group(1))
    return sorted(names)


def rename_fields(text):
    bases = [r"\b" + re.escape(n) for n in job_names(text)] + JOB_CHAINS
    old = "|".join(sorted(RENAMES, key=lambda k: (-len(k), k)))
    pat = re.compile(r"(?P<base>(?:" + "|".join(bases) + r"))(?P<op>\s*(?:\.|->)\s*)(?P<field>"
                     + old + r")\b(?!\s*\()")
    # Only a base that is not itself a member of something else we rename:
    # `a.job.lr` is fine (job is a JobSpec member), `x.mode` is not a job.
    return pat.sub(lambda m: m.group("base") + m.group("op") + RENAMES[m.group("field")], text)


def qualifier(text):
    if re.search(r"^\s*namespace\s+troupe\b", text, re.M) or re.search(
            r"using\s+namespace\s+troupe\s*;", text):
        return "runtime::"
    return "troupe::runtime::"


def convert_enums(text):
    q = qualifier(text)
    for path, (enum, names) in ENUMS.items():
        lits = "|".join(names)
        # <expr>.path ==/!=/= "lit"
        pat = re.compile(r"(?P<lhs>(?:\.|->)" + path + r")(?P<op>\s*(?:==|!=|=)\s*)\"(?P<lit>"
                         + lits + r")\"")
        text = pat.sub(lambda m: m.group("lhs") + m.group("op") + q + enum + "::" + m.group("lit"),
                       text)
        # "lit" ==/!= <expr>.path
        pat = re.compile(r"\"(?P<lit>" + lits + r")\"(?P<op>\s*(?:==|!=)\s*)(?P<rhs>[\w.>\-]*(?:\.|->)"
                         + path + r")\b")
        text = pat.sub(lambda m: q + enum + "::" + m.group("lit") + m.group("op") + m.group("rhs"),
                       text)
        # "text" + <expr>.path and <expr>.path + "text": the enum's spelling
        # (job options only: RunReport's fields have no such uses).
        if "\\." in path:
            expr = r"(?P<expr>\b[A-Za-z_][\w.\[\]]*(?:(?:\.|->)[\w\[\]]+)*(?:\.|->)" + path + r")\b"
            text = re.sub(r"(?P<op>\+\s*)" + expr + r"(?!\s*[.(\[])",
                          lambda m: m.group("op") + q + "to_string(" + m.group("expr") + ")", text)
            text = re.sub(expr + r"(?P<op>\s*\+(?!\+))",
                          lambda m: q + "to_string(" + m.group("expr") + ")" + m.group("op"), text)
        # EXPECT_EQ(<expr>.path, "lit") and friends
        pat = re.compile(r"(?P<head>\b(?:EXPECT|ASSERT)_(?:EQ|NE)\(\s*[\w.>\-\[\]()<:]*(?:\.|->)" + path
                         + r"\s*,\s*)\"(?P<lit>" + lits + r")\"")
        text = pat.sub(lambda m: m.group("head") + q + enum + "::" + m.group("lit"), text)
    return text


def convert_run_status(text):
    """finish(self, "ok", ...) and <job>.report(<wall>, "failed", ...) pass a RunStatus."""
    q = qualifier(text)
    pat = re.compile(r"(?P<head>\bfinish\(\s*self\s*,\s*|(?:\.|->)report\([^,;()]*(?:\(\))?\s*,\s*)"
                     r"\"(?P<lit>ok|failed)\"")
    text = pat.sub(lambda m: m.group("head") + q + "RunStatus::" + m.group("lit"), text)
    # ... and take one: finish(SchedulerPtr self, ...) and SyncJob/AsyncJob::report(...).
    unq = "" if re.search(r"^\s*namespace\s+troupe::runtime\b", text, re.M) else q
    pat = re.compile(r"(?P<head>\b(?:finish\(\s*SchedulerPtr\s+self|report\(\s*Seconds\s+wall)\s*,\s*)"
                     r"const\s+std::string&\s+status\b")
    return pat.sub(lambda m: m.group("head") + unq + "RunStatus status", text)


def convert_slices(text):
    bases = "|".join(re.escape(n) for n in job_names(text))
    pat = re.compile(r"(?:\b(?:troupe::)?runtime::)?\bstrategy_options\(\s*(?P<job>(?:[\w]+(?:\.|->))*(?:" + bases + r"))\s*\)")
    return pat.sub(lambda m: m.group("job") + ".collab.strategy_options", text)


def convert_train_options(text):
    """train_options(<job>, <seed>) -> <job>.train.options(<seed>); <seed> may hold parentheses."""
    bases = "|".join(re.escape(n) for n in job_names(text))
    pat = re.compile(r"(?:\b(?:troupe::)?runtime::)?\btrain_options\(\s*(?P<job>(?:\w+(?:\.|->))*(?:"
                     + bases + r"))\s*,\s*")
    out, pos = [], 0
    for m in pat.finditer(text):
        if m.start() < pos:
            continue
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        seed = text[m.end():i - 1].strip()
        out.append(text[pos:m.start()] + m.group("job") + ".train.options(" + seed + ")")
        pos = i
    out.append(text[pos:])
    return "".join(out)


def convert_model_kind(text):
    """The job's model is a models::ModelKind now: no parsing, no "unknown model" branch."""
    pat = re.compile(r"(?:\*\s*)?\bmodels::parse_model_kind\((?P<expr>[\w.\->\[\]]+\.train\.model)\)")
    if not pat.search(text):
        return text
    text = pat.sub(lambda m: m.group("expr"), text)
    text = re.sub(r"^[ \t]*if \(!kind\) (?:return|throw) [^\n]*unknown model[^\n]*;[ \t]*\n", "", text,
                  flags=re.M)
    text = re.sub(r"\*kind\b", "kind", text)
    # A `kind` that only served the check goes too.
    decl = re.compile(r"^[ \t]*const auto kind = [\w.\->\[\]]+\.train\.model;[ \t]*\n", re.M)
    if len(re.findall(r"\bkind\b", text)) == len(decl.findall(text)):
        text = decl.sub("", text)
    return text


def rewrite(text):
    text = convert_enums(rename_fields(text))
    text = convert_run_status(convert_slices(text))
    return convert_model_kind(convert_train_options(text))


SKIP = {"runtime/core/job_spec.hpp", "runtime/core/job_spec.cpp", "runtime/core/job_fields.hpp",
        "runtime/core/job_enums.hpp", "runtime/aggregation/strategy.hpp"}


def main(argv):
    check = "--check" in argv
    fmt = "--format" in argv
    paths = [a for a in argv if a not in ("--check", "--format")]
    root = Path(subprocess.check_output(["git", "rev-parse", "--show-toplevel"], text=True).strip())
    if not paths:
        paths = subprocess.check_output(["git", "ls-files", "*.cpp", "*.hpp"], text=True,
                                        cwd=root).split()
        paths = [str(root / p) for p in sorted(paths)]
    changed = []
    for p in paths:
        rel = str(Path(p).resolve().relative_to(root))
        if rel in SKIP:
            continue
        text = Path(p).read_text()
        new = rewrite(text)
        if new != text:
            changed.append(rel)
            if not check:
                Path(p).write_text(new)
    for rel in changed:
        print(rel)
    if fmt and changed and not check:
        subprocess.check_call(["clang-format", "-i"] + changed, cwd=root)
    return 1 if check and changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
