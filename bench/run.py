"""Load benchmark harness (issue 7). See docs/benchmarks.md.

    python -m bench.run --scenario S2 --members 1000 --window 30

Creates a database, migrates and seeds it, starts K daphne processes with
production-like settings on PostgreSQL and Redis, runs the scenario's
clients in this process, writes JSON to bench/results/ and prints a
markdown table row. Exit status 1 when a correctness check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx

from bench import server
from bench.metrics import Probe
from bench.scenarios import SCENARIOS, Run

RESULTS = server.ROOT / "bench" / "results"

# Per-scenario defaults: the full sizes of the issue table.
DEFAULTS: dict[str, dict[str, Any]] = {
    "S1": {"members": 1000, "ramp": 10.0, "hold": 2.0},
    "S2": {"members": 1000, "window": 30.0},
    "S2burst": {"members": 1000, "window": 5.0},
    "S3": {"members": 1000, "changes": 10},
    "S4": {"members": 200, "changes": 10},
    "S5": {"members": 1000, "duration": 600.0},
    "S6": {"members": 5000, "window": 60.0, "processes": 2},
    # A share on networks that refuse WebSockets: they follow over HTTP (on
    # the second process) and cast over REST. The hold outlasts a long-poll.
    "S7": {"members": 1000, "window": 30.0, "processes": 2, "changes": 3, "hold": 25.0},
    "naive": {"members": 1000, "window": 30.0},
    # The speakers' list: 1,000 phones follow, 100 ask to speak within 10 s.
    "S8": {"members": 1000, "window": 10.0, "requests": 100},
    # Encrypted ballots (issue 21): 1,000 phones cast ballots made before the
    # window within 30 s; then the close and the tellers' decryption.
    "S9": {"members": 1000, "window": 30.0},
}
PACKAGES = [
    "Django",
    "channels",
    "channels-redis",
    "daphne",
    "Twisted",
    "redis",
    "psycopg",
    "websockets",
    "httpx",
]


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--scenario", required=True, choices=sorted(SCENARIOS))
    parser.add_argument("--members", type=int, help="member sockets (default: the issue table)")
    parser.add_argument("--processes", type=int, help="daphne processes (default 1; S6: 2)")
    parser.add_argument("--window", type=float, help="voting window, seconds (S2 30, burst 5)")
    parser.add_argument(
        "--ramp", type=float, help="connect the members over this many seconds (default N/100)"
    )
    parser.add_argument(
        "--rest-share",
        type=float,
        default=0.5,
        help="share of ballots cast over REST instead of the socket (default 0.5)",
    )
    parser.add_argument(
        "--http-share",
        type=float,
        default=0.2,
        help="S7: share of members following over HTTP and casting over REST (default 0.2)",
    )
    parser.add_argument(
        "--baseline",
        type=float,
        default=10.0,
        help="S7: measure the servers' own CPU for this long before members connect, s",
    )
    parser.add_argument("--requests", type=int, help="S8: members who ask to speak (default 100)")
    parser.add_argument("--changes", type=int, help="S3/S4: agenda changes (default 10; S7 3)")
    parser.add_argument(
        "--interval", type=float, default=0.5, help="S3/S4: pause between changes, s"
    )
    parser.add_argument(
        "--warmup-changes", type=int, default=1, help="S3/S4: unmeasured changes first"
    )
    parser.add_argument("--duration", type=float, help="S5: soak seconds (default 600)")
    parser.add_argument("--ping-interval", type=float, default=30.0, help="S5: app ping every s")
    parser.add_argument("--sample", type=float, default=10.0, help="S5: sample RSS every s")
    parser.add_argument(
        "--hold", type=float, help="S1: hold the sockets, s (2); S7: quiet following, s (25)"
    )
    parser.add_argument(
        "--deadline",
        type=float,
        default=120.0,
        help="polls: wait this long after the window for the last answers",
    )
    parser.add_argument(
        "--catch-up", type=float, default=10.0, help="polls: wait for the projector, s"
    )
    parser.add_argument("--delivery-timeout", type=float, default=30.0)
    parser.add_argument("--connect-timeout", type=float, default=60.0)
    parser.add_argument("--agenda-items", type=int, default=12)
    parser.add_argument("--secrecy", choices=["secret", "named"], default="secret")
    parser.add_argument("--live-results", action="store_true", help="named polls: live tally")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL server (a bench_<pid>_<hex> database is created and dropped)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
        help="Redis for the channel layer (only this run's keys are deleted after)",
    )
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra server environment, e.g. DB_POOL_SIZE=40 (repeatable)",
    )
    parser.add_argument(
        "--daphne-arg", action="append", default=[], help="extra daphne argument (repeatable)"
    )
    parser.add_argument("--server-cpus", default="auto", help='taskset list, "auto" or "none"')
    parser.add_argument("--client-cpus", default="auto", help='CPU list, "auto" or "none"')
    parser.add_argument("--port", type=int, default=0, help="first port (default: random free)")
    parser.add_argument("--seed", type=int, default=None, help="random seed of the clients")
    parser.add_argument("--label", default="", help="free text for the results table")
    parser.add_argument("--json-out", type=Path, help="write the JSON here (default: results/)")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    args = parser.parse_args(argv)
    defaults = DEFAULTS[args.scenario]
    for name in ("members", "window", "changes", "duration", "hold", "requests"):
        if getattr(args, name) is None:
            setattr(args, name, defaults.get(name, 0))
    if args.processes is None:
        args.processes = defaults.get("processes", 1)
    if args.ramp is None:
        args.ramp = defaults.get("ramp", max(1.0, args.members / 100))
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(2**31)
    if args.scenario in ("S2", "S2burst", "S6", "S7", "S8", "S9", "naive") and args.window <= 0:
        parser.error("--window must be positive")
    return args


def raise_file_limit() -> int:
    """Thousands of sockets need thousands of descriptors (here and in the
    servers, which inherit the limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1_048_576
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def environment(db: server.Database, redis_url: str) -> dict[str, Any]:
    def versions() -> dict[str, str]:
        out = {}
        for name in PACKAGES:
            try:
                out[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                out[name] = "-"
        return out

    def git(*command: str) -> str:
        try:
            return subprocess.run(
                ["git", *command], cwd=server.ROOT, capture_output=True, text=True, timeout=10
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"

    cpu_model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    return {
        "cpu_model": cpu_model,
        "cpus": os.cpu_count(),
        "memory_gb": round(mem_kb / 2**20, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": versions(),
        "postgresql": db.server_version(),
        "redis": server.redis_version(redis_url),
        "git_commit": git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "load_average_at_start": list(os.getloadavg()),
    }


def warm_up(servers: list[server.Daphne]) -> None:
    """One HTTP request per process: loads the URL conf and starts the
    server loop's timers before anything is measured."""
    for s in servers:
        httpx.get(f"http://127.0.0.1:{s.port}/api/meetings/", timeout=60)


def daphne_errors(servers: list[server.Daphne]) -> dict[str, int]:
    out = {}
    for s in servers:
        text = s.log.read_text(errors="replace") if s.log.exists() else ""
        out[s.log.name] = text.count("Traceback") + text.count(" ERROR ")
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    started = datetime.now(UTC)
    run_id = f"{args.scenario}-{started:%Y%m%dT%H%M%SZ}-{os.getpid()}"
    logs = RESULTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    file_limit = raise_file_limit()
    server_cpus, client_cpus = server.cpu_plan(args.server_cpus, args.client_cpus)
    db = server.Database(args.database_url)
    extra = dict(item.split("=", 1) for item in args.server_env)
    if args.scenario == "naive":
        extra["VOTING_NAIVE_BROADCAST"] = "1"
    # Ballots are signed: each run gets its own installation key (made by the seed).
    extra.setdefault("AUDIT_KEY_PATH", str(logs / f"{run_id}-signing-key.pem"))
    env = server.server_env(
        database_url=db.url,
        redis_url=args.redis_url,
        secret_key=server.new_secret_key(),
        extra=extra,
    )
    servers: list[server.Daphne] = []
    db.create()
    seed: dict[str, Any] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            options = ["--agenda-items", str(args.agenda_items), "--secrecy", args.secrecy]
            if args.live_results:
                options.append("--live-results")
            if args.scenario == "S9":
                options.append("--encrypted")
            seed = server.run_seed(env, Path(tmp) / "seed.json", args.members, options)
        base = server.consecutive_free_ports(args.processes, args.port)
        for i in range(args.processes):
            servers.append(
                server.start_daphne(
                    port=base + i,
                    env=env,
                    cpus=server_cpus,
                    log=logs / f"{run_id}-daphne-{base + i}.log",
                    extra_args=args.daphne_arg,
                )
            )
        server.wait_listening(servers)
        warm_up(servers)
        os.sched_setaffinity(0, client_cpus)
        gc.collect()
        gc.freeze()  # the seed data and imports: never scanned again
        scenario = Run(
            args=args,
            seed=seed,
            servers=servers,
            db=db,
            probe=Probe([s.pid for s in servers]),
            rng=random.Random(args.seed),
        )
        wall = time.perf_counter()
        metrics, checks, targets = asyncio.run(SCENARIOS[args.scenario](scenario))
        wall = time.perf_counter() - wall
        errors = daphne_errors(servers)
        checks["servers logged no errors"] = {
            "ok": not any(errors.values()),
            "detail": json.dumps(errors),
        }
        return {
            "run_id": run_id,
            "scenario": args.scenario,
            "label": args.label,
            "smoke": args.members < DEFAULTS[args.scenario]["members"],
            "started_at": started.isoformat(timespec="seconds"),
            "scenario_wall_s": round(wall, 1),
            "params": {
                k: (str(v) if isinstance(v, Path) else v)
                for k, v in vars(args).items()
                if k not in ("database_url",)
            },
            "placement": {
                "server_cpus": server_cpus or "unpinned",
                "client_cpus": sorted(client_cpus),
                "ports": [s.port for s in servers],
                "file_limit": file_limit,
            },
            "server_env_extra": extra,
            "seed_timing": seed.get("timing"),
            "environment": environment(db, args.redis_url),
            "metrics": metrics,
            "checks": checks,
            "targets": targets,
            "ok": all(c["ok"] for c in checks.values()),
            "daphne_logs": [str(s.log) for s in servers],
        }
    finally:
        server.stop_daphne(servers)
        if seed:
            server.delete_redis_keys(args.redis_url, f"coalesce:turnout:{seed['poll_id']}:*")
        if args.keep_db:
            print(f"kept database {db.name}", file=sys.stderr)
        else:
            db.drop()


# --- output ---------------------------------------------------------------------------

TABLE_HEADER = (
    "| date | scenario | N | K | key latencies (p50 / p99 ms) | server CPU % of one core "
    "| µs/frame | RSS MB before → after | KB/socket | checks | targets |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|"
)


def _p(summary: dict[str, Any] | None) -> str:
    if not summary or summary.get("p99") is None:
        return "-"
    return f"{summary['p50']:g} / {summary['p99']:g}"


def table_row(result: dict[str, Any]) -> str:
    m = result["metrics"]
    parts = [f"snapshot {_p(m.get('snapshot_ms'))}"]
    if "ack_ms" in m:
        parts = [
            f"ack ws {_p(m['ack_ws_ms'])}",
            f"ack REST {_p(m['ack_rest_ms'])}",
            f"vote→projector {_p(m['vote_to_projector_ms'])}",
        ]
    if "agenda_delivery_http_ms" in m:  # S7: each path apart
        parts += [
            f"agenda ws {_p(m['agenda_delivery_ws_ms'])}",
            f"agenda HTTP {_p(m['agenda_delivery_http_ms'])}",
        ]
        for phase in ("idle", "poll"):
            cpu = m[phase]
            if "http_to_ws_ratio" in cpu:
                ratio = cpu["http_to_ws_ratio"]
                parts.append(
                    f"{phase} CPU ms/member ws {cpu['ws_cpu_ms_per_member']:g}, "
                    f"HTTP {cpu['http_cpu_ms_per_member']:g}"
                    + (f" (x{ratio:g})" if ratio is not None else "")
                )
    if "close_and_decrypt_ms" in m:  # S9
        tellers = " + ".join(f"{ms:g}" for ms in m["decrypt_ms"])
        parts.append(f"close {m['close_ms']:g} ms + tellers' decryption {tellers} ms")
    if "delivery_ms" in m:
        parts = [f"delivery {_p(m['delivery_ms'])}"]
    if "queue_update_ms" in m:  # S8
        parts = [
            f"request ack {_p(m['request_ack_ms'])}",
            f"queue→phones {_p(m['queue_update_ms'])}",
        ]
    if "pong_ms" in m:
        parts = [f"pong {_p(m['pong_ms'])}", f"RSS growth {m['rss_growth_pct']} %"]
    memory = m.get("memory", {})
    cpu = m.get("cpu", {})
    failed = [name for name, c in result["checks"].items() if not c["ok"]]
    missed = [name for name, t in result["targets"].items() if not t["met"]]
    name = result["scenario"] + (" (smoke)" if result["smoke"] else "")
    if result["label"]:
        name += f" - {result['label']}"
    window = result["params"].get("window")
    if result["scenario"] in ("S2", "S2burst", "S6", "S7", "S8", "S9", "naive"):
        name += f", {window:g} s"
    return (
        "| "
        + " | ".join(
            [
                result["started_at"][:10],
                name,
                str(m.get("sockets", "-")),
                str(len(result["placement"]["ports"])),
                "; ".join(parts),
                str(cpu.get("server_cpu_pct_of_one_core", "-")),
                str(m.get("cpu_us_per_frame") or "-"),
                f"{memory.get('rss_before_mb', '-')} → {memory.get('rss_after_mb', '-')}",
                str(memory.get("kb_per_socket", "-")),
                "pass" if not failed else "FAIL: " + ", ".join(failed),
                "all met" if not missed else "missed: " + ", ".join(missed),
            ]
        )
        + " |"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    result = run(args)
    out = args.json_out or RESULTS / f"{result['run_id']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    for name, check in result["checks"].items():
        print(f"{'ok  ' if check['ok'] else 'FAIL'} {name}: {check['detail']}")
    for name, target in result["targets"].items():
        status = "met   " if target["met"] else "missed"
        print(f"{status} {name}: {target['value']} (target < {target['limit']} {target['unit']})")
    print(f"\nJSON: {out}\n")
    print(TABLE_HEADER)
    print(table_row(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
