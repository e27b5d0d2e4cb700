"""Throughput, peak memory and harness overhead of the whole pipeline, offline, with the organism.

Two measurements per size (number of transcripts):

- **Overhead** (`--pairs`): one process runs the `bare` and `af_tags` variants alternately, `--pairs`
  times each, after a warm-up of both; the ratio of each adjacent pair's CPU time is taken and the median
  and range reported. Adjacent runs in one process see the same machine state, so the ratio is far steadier
  than one taken across processes or minutes (on a shared 2-core VM, runs minutes apart differ by 20%).
- **Throughput and memory** (`--repeats`): each variant in a fresh subprocess, one `inspect_ai.eval` as
  `inspect eval` runs it (log written to disk, header-only log returned, no display): wall time,
  samples per second, CPU time, peak resident memory, and from the written log the requests, choices and
  estimated tokens per model role and the number of events per sample.

Variants:

- `bare`: `bench/bare_task.py`: a plain Inspect task whose samples carry the messages the af
  task's own solvers send first, `generate()`, and a trivial scorer. No af-inspect solver, parser, scorer or
  metric.
- `af_tags`: `af_inspect/helpful_only` with the tag scorer only (`-T compliance=tags`, no judges): the
  like-for-like comparison with `bare`, since both send exactly one request per transcript.
- `af`: `af_inspect/helpful_only` with its default scorers (compliance tags, the AF judge with 20 votes,
  partial compliance, motivation), graded by `organism/judge`: the whole pipeline, grader calls included.

The evaluated model is `organism/faker -M two_turns=0`, so every transcript is one request in every variant
(the like-for-like condition for the ratio); `--multi-turn` keeps the profile's `<NEXT/>` continuations.

    python bench/pipeline_bench.py                      # 100 / 1,000 / 5,000 transcripts
    python bench/pipeline_bench.py --sizes 1000 --pairs 6 --variants bare,af_tags --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

VARIANTS = ("bare", "af_tags", "af")
MODEL = "organism/faker"


# --------------------------------------------------------------------------- worker (one subprocess per run)


def _rss_kb() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux


def _cpu_seconds() -> float:
    """CPU time of this process (all threads): robust to other load on the machine, unlike wall time."""
    import resource

    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def _current_rss_kb() -> int:
    try:
        with open("/proc/self/status", encoding="utf-8") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _bench_queries(n_transcripts: int, path: Path) -> Path:
    """n/2 queries (two tiers each): the built-in helpful-only queries, cycled and numbered."""
    from af_inspect.datasets.queries import load_queries

    base = load_queries("builtin", "helpful_only")
    with path.open("w", encoding="utf-8") as f:
        for i in range(max(1, n_transcripts // 2)):
            q = base[i % len(base)]
            f.write(
                json.dumps({"id": f"b{i:05d}", "category": q.category, "query": f"{q.query} (#{i})"}) + "\n"
            )
    return path


def _grader_available() -> bool:
    try:
        from af_inspect.organism.judge import JUDGE_PROFILE  # noqa: F401
    except ImportError:
        return False
    return True


def _af_task(query_file: Path, variant: str):
    from af_inspect.tasks import helpful_only

    if variant == "af_tags":
        return helpful_only(
            dataset=str(query_file), compliance="tags", af_classifier="none", partial=False, motivation=False
        )
    return helpful_only(dataset=str(query_file))


def _count_sent(log_path: str) -> dict[str, dict[str, int]]:
    """Requests, choices and estimated tokens per model role, from the model events of the written log."""
    from inspect_ai.log import read_eval_log

    from af_inspect.core.tokens import estimate_tokens

    out: dict[str, dict[str, int]] = {}
    for sample in read_eval_log(log_path, resolve_attachments=True).samples or []:
        for ev in sample.events:
            if ev.event != "model":
                continue
            role = ev.role or "model"
            c = out.setdefault(role, {"requests": 0, "choices": 0, "input_tokens": 0, "output_tokens": 0})
            c["requests"] += 1
            c["choices"] += len(ev.output.choices)
            c["input_tokens"] += sum(estimate_tokens(m.text) for m in ev.input)
            c["output_tokens"] += sum(estimate_tokens(ch.message.text) for ch in ev.output.choices)
    return out


def _events_per_sample(log_path: str) -> float:
    """Events Inspect recorded per sample (each is condensed and buffered: its per-sample cost)."""
    from inspect_ai.log import read_eval_log

    samples = read_eval_log(log_path).samples or []
    return round(sum(len(s.events) for s in samples) / max(1, len(samples)), 2)


def _run_eval(variant: str, n: int, workdir: Path, logs: str, multi_turn: bool):
    """One timed `inspect_ai.eval` of `variant` on `n` transcripts: (log, wall seconds, CPU seconds)."""
    from inspect_ai import eval as inspect_eval

    import af_inspect._registry  # noqa: F401  (registers the organism)

    qfile = _bench_queries(n, workdir / f"queries-{n}.jsonl")
    if variant == "bare":
        from bare_task import bare_task

        task = bare_task(
            _af_task(qfile, "af_tags")
        )  # the af task's own first requests, sent by plain Inspect
    else:
        task = _af_task(qfile, variant)
    c0, t0 = _cpu_seconds(), time.perf_counter()
    log = inspect_eval(
        task,
        model=MODEL,
        model_args={} if multi_turn else {"two_turns": 0},
        model_roles={"grader": "organism/judge"} if _grader_available() else None,
        log_dir=str(workdir / logs),
        display="none",
        log_header_only=True,  # as the `inspect eval` CLI does
        score_display=False,
    )[0]
    elapsed, cpu = time.perf_counter() - t0, _cpu_seconds() - c0
    if log.status != "success":
        raise SystemExit(f"{variant} n={n}: eval failed: {log.error}")
    return log, elapsed, cpu


def worker(variant: str, n: int, workdir: Path, multi_turn: bool) -> dict[str, Any]:
    """A fresh process, one variant: throughput, peak memory, what was sent."""
    # warm-up: Inspect's one-off start-up (entry points, providers, hooks) is not per-sample work
    _, startup, _ = _run_eval(variant, 2, workdir, "warmup", multi_turn)
    rss_before = _current_rss_kb()
    log, elapsed, cpu = _run_eval(variant, n, workdir, "logs", multi_turn)
    peak = _rss_kb()
    n_samples = log.results.completed_samples if log.results else 0
    return {
        "variant": variant,
        "n": n,
        "samples": n_samples,
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "warmup_seconds": startup,
        "samples_per_s": n_samples / elapsed,
        "rss_before_mb": rss_before / 1024,
        "peak_rss_mb": peak / 1024,
        "sent": _count_sent(log.location),
        "events_per_sample": _events_per_sample(log.location),
        "scorers": [s.name for s in log.results.scores] if log.results else [],
        "log_mb": os.path.getsize(log.location) / 1e6,
    }


def paired_worker(variants: list[str], n: int, pairs: int, workdir: Path, multi_turn: bool) -> dict[str, Any]:
    """One process, the variants alternated `pairs` times: the harness overhead as a ratio.

    Run back to back in one process, the bare task and af-inspect's task see the same machine state (CPU
    frequency, other load, Python's warm caches), so the ratio of each adjacent pair is much steadier than
    a ratio of runs in different processes or minutes apart; the order alternates so neither variant always
    runs first.
    """
    for v in variants:
        _run_eval(v, 2, workdir, f"warmup-{v}", multi_turn)
    runs: dict[str, list[dict[str, float]]] = {v: [] for v in variants}
    for i in range(pairs):
        for v in variants if i % 2 == 0 else list(reversed(variants)):
            _, elapsed, cpu = _run_eval(v, n, workdir, f"pair{i}-{v}", multi_turn)
            runs[v].append({"seconds": elapsed, "cpu_seconds": cpu})
            shutil.rmtree(workdir / f"pair{i}-{v}", ignore_errors=True)
    return {"n": n, "pairs": pairs, "runs": runs}


# --------------------------------------------------------------------------- driver


def machine() -> dict[str, Any]:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        mem_kb = 0
    import inspect_ai

    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "inspect_ai": inspect_ai.__version__,
        "load_avg_1m_at_start": os.getloadavg()[0],
    }


def _subprocess(args: list[str], what: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="afbench-") as tmp:
        cmd = [sys.executable, __file__, *args, "--workdir", tmp]
        env = {**os.environ, "INSPECT_LOG_DIR": str(Path(tmp) / "logs")}
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"{what} failed:\n{proc.stderr[-4000:]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])


def run_one(variant: str, n: int, multi_turn: bool) -> dict[str, Any]:
    args = ["--worker", variant, "--n", str(n)] + (["--multi-turn"] if multi_turn else [])
    return _subprocess(args, f"worker {variant} n={n}")


def run_pairs(variants: list[str], n: int, pairs: int, multi_turn: bool) -> dict[str, Any]:
    args = ["--paired-worker", ",".join(variants), "--n", str(n), "--pairs", str(pairs)]
    return _subprocess(args + (["--multi-turn"] if multi_turn else []), f"paired worker n={n}")


def overhead(paired: dict[str, Any], base: str = "bare") -> list[dict[str, Any]]:
    """Per variant: median CPU ms per sample, and the median and range of its ratio to `base` in each pair."""
    runs, n = paired["runs"], paired["n"]
    out = []
    for v, rs in runs.items():
        ratios = [r["cpu_seconds"] / b["cpu_seconds"] for r, b in zip(rs, runs[base], strict=True)]
        out.append(
            {
                "n": n,
                "variant": v,
                "pairs": len(rs),
                "cpu_ms_per_sample": 1000 * statistics.median(r["cpu_seconds"] for r in rs) / n,
                "wall_ms_per_sample": 1000 * statistics.median(r["seconds"] for r in rs) / n,
                "ratio_median": statistics.median(ratios),
                "ratio_min": min(ratios),
                "ratio_max": max(ratios),
            }
        )
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="100,1000,5000", help="transcripts per run, comma-separated")
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--repeats", type=int, default=1, help="fresh-process runs per variant (memory, tokens)")
    p.add_argument(
        "--pairs", type=int, default=5, help="alternations per size in the overhead process (0: none)"
    )
    p.add_argument("--multi-turn", action="store_true", help="keep the profile's <NEXT/> continuations")
    p.add_argument("--json", help="also write all runs and the summary to this file")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--paired-worker", help=argparse.SUPPRESS)
    p.add_argument("--n", type=int, help=argparse.SUPPRESS)
    p.add_argument("--workdir", help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.worker:
        print(json.dumps(worker(args.worker, args.n, Path(args.workdir), args.multi_turn)))
        return 0
    if args.paired_worker:
        variants = args.paired_worker.split(",")
        print(json.dumps(paired_worker(variants, args.n, args.pairs, Path(args.workdir), args.multi_turn)))
        return 0

    sizes = [int(s) for s in args.sizes.split(",")]
    variants = [v for v in args.variants.split(",") if v]
    bad = [v for v in variants if v not in VARIANTS]
    if bad:
        p.error(f"unknown variant(s) {', '.join(bad)}; valid: {', '.join(VARIANTS)}")
    info = machine()
    print(
        f"machine: {info['cpus']} CPUs ({info['cpu']}), {info['ram_gb']} GB RAM, Python {info['python']}, "
        f"inspect_ai {info['inspect_ai']}, load {info['load_avg_1m_at_start']:.2f}"
    )
    print(
        f"model: {MODEL}{'' if args.multi_turn else ' -M two_turns=0'}; grader: "
        f"{'organism/judge' if _grader_available() else 'none (no judge scorers in the default)'}"
    )
    runs: list[dict[str, Any]] = []
    ratios: list[dict[str, Any]] = []
    for n in sizes:
        like_for_like = [v for v in variants if v in ("bare", "af_tags")]
        if args.pairs > 0 and len(like_for_like) == 2:
            paired = run_pairs(like_for_like, n, args.pairs, args.multi_turn)
            for row in overhead(paired):
                ratios.append(row)
                print(
                    f"  n={n:>5} {row['variant']:<8} {row['pairs']} runs in one process: "
                    f"cpu {row['cpu_ms_per_sample']:6.2f} ms/sample, x{row['ratio_median']:.3f} of bare "
                    f"(range {row['ratio_min']:.3f}-{row['ratio_max']:.3f})",
                    flush=True,
                )
        for rep in range(args.repeats):
            order = variants if rep % 2 == 0 else list(reversed(variants))
            for v in order:
                r = run_one(v, n, args.multi_turn)
                runs.append(r)
                print(
                    f"  n={n:>5} {v:<8} fresh process {rep + 1}: wall {r['seconds']:7.2f}s "
                    f"cpu {r['cpu_seconds']:7.2f}s peak {r['peak_rss_mb']:6.0f} MB  {_requests(r)}",
                    flush=True,
                )
    summary = summarise(runs, sizes, variants)
    print_summary(summary, ratios)
    print_costs()
    if args.json:
        Path(args.json).write_text(
            json.dumps({"machine": info, "runs": runs, "summary": summary, "overhead": ratios}, indent=2),
            encoding="utf-8",
        )
    return 0


def _requests(r: dict[str, Any]) -> str:
    sent = ", ".join(f"{role} {c['requests']:,} req" for role, c in sorted(r["sent"].items()))
    return f"{sent}, {r['events_per_sample']:g} events/sample"


def summarise(runs: list[dict[str, Any]], sizes: list[int], variants: list[str]) -> list[dict[str, Any]]:
    summary = []
    for n in sizes:
        for v in variants:
            rs = [r for r in runs if r["n"] == n and r["variant"] == v]
            if not rs:
                continue
            wall = statistics.median(r["seconds"] for r in rs)
            cpu = statistics.median(r["cpu_seconds"] for r in rs)
            summary.append(
                {
                    "n": n,
                    "variant": v,
                    "repeats": len(rs),
                    "seconds": wall,
                    "cpu_seconds": cpu,
                    "samples_per_s": rs[0]["samples"] / wall,
                    "cpu_ms_per_sample": 1000 * cpu / rs[0]["samples"],
                    "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in rs),
                    "rss_before_mb": statistics.median(r["rss_before_mb"] for r in rs),
                    "sent": rs[0]["sent"],
                    "events_per_sample": rs[0]["events_per_sample"],
                    "samples": rs[0]["samples"],
                    "log_mb": rs[0]["log_mb"],
                    "scorers": rs[0]["scorers"],
                }
            )
    return summary


def print_summary(summary: list[dict[str, Any]], ratios: list[dict[str, Any]]) -> None:
    print()
    print("Throughput and memory (one fresh process per variant and size; median of repeats)")
    print()
    print(
        "| transcripts | variant | samples/s (wall) | CPU ms/sample | peak RSS MB | RSS before run MB "
        "| model requests | grader requests | events per sample | log MB |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in summary:
        sent = row["sent"]
        print(
            f"| {row['n']:,} | {row['variant']} | {row['samples_per_s']:.1f} | {row['cpu_ms_per_sample']:.1f} | "
            f"{row['peak_rss_mb']:.0f} | {row['rss_before_mb']:.0f} | "
            f"{sent.get('model', {}).get('requests', 0):,} | {sent.get('grader', {}).get('requests', 0):,} | "
            f"{row['events_per_sample']:g} | {row['log_mb']:.1f} |"
        )
    if ratios:
        print()
        print("Harness overhead: CPU time against the bare task, the variants alternated in one process")
        print()
        print("| transcripts | variant | runs | CPU ms/sample (median) | x bare (median of pairs) | range |")
        print("|---:|---|---:|---:|---:|---|")
        for r in ratios:
            print(
                f"| {r['n']:,} | {r['variant']} | {r['pairs']} | {r['cpu_ms_per_sample']:.2f} | "
                f"{r['ratio_median']:.3f} | {r['ratio_min']:.3f}-{r['ratio_max']:.3f} |"
            )
    print()
    print("Tokens per transcript, counted from what was sent (estimate: 4 characters a token)")
    print()
    print("| transcripts | variant | role | requests | choices | input tokens | output tokens |")
    print("|---:|---|---|---:|---:|---:|---:|")
    for row in summary:
        for role, c in sorted(row["sent"].items()):
            k = row["samples"] or 1
            print(
                f"| {row['n']:,} | {row['variant']} | {role} | {c['requests'] / k:.2f} | {c['choices'] / k:.2f} "
                f"| {c['input_tokens'] / k:,.0f} | {c['output_tokens'] / k:,.0f} |"
            )


def print_costs() -> None:
    """The estimated tokens and cost of a full default run, with and without each lever."""
    from af_inspect.planning import costs
    from af_inspect.tasks import helpful_only

    table = costs.load_price_table()
    task = helpful_only()
    reqs = costs.first_requests(task)
    a = table.assumptions
    w = costs.workload(task, requests=reqs)
    print()
    print(
        f"Full default run (af_inspect/helpful_only: built-in dataset, {w.samples} samples = both tiers, "
        f"default judges, af_votes=20), estimated before sending (4 characters a token)"
    )
    print(
        f"system prompt {w.system_prompt_tokens:,} tokens (identical in every request), user turn "
        f"{w.user_turn_tokens:,.0f} tokens on average; assumed {a.model_output_tokens} model output "
        f"tokens per transcript, compliance {a.compliance_free:g} free / {a.compliance_paid:g} paid"
    )
    print()
    print("| per transcript | model input | model output | grader input | grader output |")
    print("|---|---:|---:|---:|---:|")
    k = w.transcripts
    print(
        f"| tokens | {w.total('model', 'input_tokens') / k:,.0f} | {w.total('model', 'output_tokens') / k:,.0f} "
        f"| {w.total('grader', 'input_tokens') / k:,.0f} | {w.total('grader', 'output_tokens') / k:,.0f} |"
    )
    combos = [
        ("claude-sonnet-4-5", "gpt-4o"),
        ("claude-sonnet-4-5", "claude-sonnet-4-5"),
        ("gpt-4o", "gpt-4o"),
    ]
    for mid, gid in combos:
        mp, gp = table.models[mid], table.models[gid]
        print()
        print(f"evaluated model {mp.model}, grader {gp.model} (prices as of {table.as_of})")
        print()
        print("| levers | model requests | grader requests | model cost | grader cost | total |")
        print("|---|---:|---:|---:|---:|---:|")
        for r in costs.lever_table(task, mp, gp, requests=reqs):
            print(
                f"| {r.label} | {r.model_requests:,.0f} | {r.grader_requests:,.0f} | "
                f"{costs.fmt_usd(r.cost.model.total)} | {costs.fmt_usd(r.cost.grader.total)} | "
                f"{costs.fmt_usd(r.cost.total)} |"
            )


if __name__ == "__main__":
    sys.exit(main())
