"""The scenarios of issue 7. Each returns (metrics, checks, targets).

checks: correctness (a run fails if one fails): every socket connected, no
disconnect, no lost or doubled ballot. targets: the performance goals of the
issue table, reported as met or not; they never fail a run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from statistics import mean
from time import perf_counter
from typing import Any

from bench.clients import Client, Counters, ballot_nonce, close_all, connect_all, http_client
from bench.metrics import Probe, Sample, percentile, rss_mb, rss_total, summary_ms, usage
from bench.server import Daphne, Database

Outcome = tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, dict[str, Any]]]


@dataclass
class Run:
    args: argparse.Namespace
    seed: dict[str, Any]
    servers: list[Daphne]
    db: Database
    probe: Probe
    rng: random.Random
    counters: Counters = field(default_factory=Counters)
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    targets: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def meeting_id(self) -> int:
        return int(self.seed["meeting_id"])

    @property
    def poll_id(self) -> int:
        return int(self.seed["poll_id"])

    def members(self) -> list[Client]:
        """Member i talks to server process i mod K."""
        return [
            Client(
                name=f"m{i}",
                role="member",
                port=self.servers[i % len(self.servers)].port,
                session=m["session"],
                poll_id=self.poll_id,
                counters=self.counters,
            )
            for i, m in enumerate(self.seed["members"][: self.args.members])
        ]

    def projector(self) -> Client:
        return Client(
            name="projector",
            role="projector",
            port=self.servers[0].port,
            projector_token=self.seed["projector_token"],
            poll_id=self.poll_id,
            counters=self.counters,
        )

    def chair(self) -> Client:
        return Client(
            name="chair",
            role="chair",
            port=self.servers[0].port,
            session=self.seed["chair"]["session"],
            poll_id=self.poll_id,
            counters=self.counters,
        )

    def check(self, name: str, ok: bool, detail: Any) -> None:
        self.checks[name] = {"ok": bool(ok), "detail": str(detail)}

    def target(self, name: str, value: float | None, limit: float, unit: str) -> None:
        met = value is not None and value < limit
        self.targets[name] = {"met": met, "value": value, "limit": limit, "unit": unit}

    def outcome(self, metrics: dict[str, Any]) -> Outcome:
        return metrics, self.checks, self.targets

    async def connect(self, clients: list[Client], ramp: float) -> float:
        return await connect_all(clients, self.meeting_id, ramp, self.args.connect_timeout)


def connection_metrics(run: Run, clients: list[Client], wall: float) -> dict[str, Any]:
    done = [c for c in clients if c.t_snapshot is not None and c.t_start is not None]
    failed = [c for c in clients if c.t_snapshot is None]
    errors = Counter(c.connect_error or "?" for c in failed)
    run.check("all sockets connected", not failed, f"{len(done)}/{len(clients)}")
    return {
        "sockets": len(clients),
        "connected": len(done),
        "connect_wall_s": round(wall, 2),
        "handshake_ms": summary_ms([c.t_open - c.t_start for c in done if c.t_open and c.t_start]),
        "snapshot_ms": summary_ms([c.t_snapshot - c.t_start for c in done]),  # type: ignore[operator]
        "connect_errors": dict(errors.most_common(5)),
    }


def disconnect_check(run: Run, clients: list[Client]) -> int:
    dropped = [c for c in clients if c.dropped and c.t_snapshot is not None]
    codes = Counter(str(c.close_code) for c in dropped)
    run.check("no disconnects", not dropped, f"{len(dropped)} dropped {dict(codes)}")
    return len(dropped)


def memory_metrics(before: Sample, after: Sample, sockets: int) -> dict[str, Any]:
    delta = rss_total(after) - rss_total(before)
    return {
        "rss_before_mb": rss_mb(before),
        "rss_after_mb": rss_mb(after),
        "kb_per_socket": round(delta / max(1, sockets) / 1024, 1),
    }


# --- S1 connect storm -----------------------------------------------------------------


async def connect_storm(run: Run) -> Outcome:
    members = run.members()
    before = run.probe.sample()
    wall = await run.connect(members, run.args.ramp)
    after_connect = run.probe.sample()
    await asyncio.sleep(run.args.hold)
    settled = run.probe.sample()
    metrics = connection_metrics(run, members, wall)
    metrics["cpu"] = usage(before, after_connect)
    metrics["memory"] = memory_metrics(before, settled, metrics["connected"])
    disconnect_check(run, members)
    await close_all(members)
    run.target("snapshot p99", metrics["snapshot_ms"]["p99"], 2000, "ms")
    run.target("memory per socket", metrics["memory"]["kb_per_socket"], 100, "KB")
    return run.outcome(metrics)


# --- S2, S2burst, S6, naive: a poll -----------------------------------------------------


def projector_latencies(
    members: list[Client], projector: Client
) -> tuple[list[float], list[float], int]:
    """Vote-to-projector latency of every acknowledged ballot.

    Take the acknowledged ballots in order of acknowledgement; the k-th one
    (sent at s, acknowledged at a) counts as shown when the first projector
    update with `ballots` >= k arrives, at u. Vote-to-projector is
    max(u, a) - s (from the tap until both the phone has its receipt and the
    projector shows a count covering it); ack-to-projector is max(0, u - a).
    Returns both lists and the number of ballots no update covered.
    """
    acked = sorted((c.ack_at, c.cast_sent) for c in members if c.ack_ok and c.ack_at)
    updates = projector.turnouts
    vote, after_ack, uncovered = [], [], 0
    j = 0
    for k, (ack, sent) in enumerate(acked, start=1):
        while j < len(updates) and updates[j][1] < k:
            j += 1
        if j == len(updates):
            uncovered += 1
            continue
        shown = updates[j][0]
        vote.append(max(shown, ack) - sent)  # type: ignore[operator]
        after_ack.append(max(0.0, shown - ack))
    return vote, after_ack, uncovered


async def poll_vote(run: Run) -> Outcome:
    args = run.args
    projector, chair = run.projector(), run.chair()
    await run.connect([projector, chair], 0)
    if not (projector.connected and chair.connected):
        raise RuntimeError(f"projector/chair: {projector.connect_error} {chair.connect_error}")
    members = run.members()
    before_connect = run.probe.sample()
    wall = await run.connect(members, args.ramp)
    await asyncio.sleep(1)
    connected = run.probe.sample()
    metrics = connection_metrics(run, members, wall)
    voters = [c for c in members if c.connected]

    options = run.seed["options"]
    choices = [options["Yes"], options["No"], options["Abstain"]]
    plan = {
        c.name: (
            run.rng.uniform(0, args.window),
            "rest" if run.rng.random() < args.rest_share else "ws",
            run.rng.choice(choices),
        )
        for c in voters
    }
    loop = asyncio.get_running_loop()
    outstanding = len(voters)
    all_answered = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    http = http_client()
    phones = {name: http_client() for name, (_, via, _) in plan.items() if via == "rest"}
    answer_timeout = args.window + args.deadline

    async def cast_later(client: Client, delay: float, via: str, choice: int) -> None:
        nonlocal outstanding
        try:
            await asyncio.sleep(delay)
            if via == "rest":
                await client.cast_rest(phones[client.name], choice, answer_timeout)
            else:
                await client.cast_ws(choice, answer_timeout)
        finally:
            outstanding -= 1
            if outstanding == 0:
                all_answered.set()

    def on_open(client: Client) -> None:
        tasks.append(loop.create_task(cast_later(client, *plan[client.name])))

    for client in voters:
        client.on_poll_open = on_open
    frames_before = run.counters.frames
    before = run.probe.sample()
    opened_at = perf_counter()
    response = await http.post(
        f"{chair.origin}/api/polls/{run.poll_id}/open/", json={}, headers=chair.rest_headers()
    )
    if response.status_code != 200:
        raise RuntimeError(f"opening the poll: {response.status_code} {response.text[:500]}")
    if voters:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_answered.wait(), answer_timeout)
    answered_at = perf_counter()
    acks = sum(1 for c in voters if c.ack_ok)
    # Let the projector catch up with the last acknowledgement.
    catch_up_deadline = perf_counter() + args.catch_up
    while perf_counter() < catch_up_deadline and (
        not projector.turnouts or max(t[1] for t in projector.turnouts) < acks
    ):
        await asyncio.sleep(0.02)
    after = run.probe.sample()
    frames = run.counters.frames - frames_before
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    close = await http.post(
        f"{chair.origin}/api/polls/{run.poll_id}/close/", json={}, headers=chair.rest_headers()
    )
    await asyncio.gather(http.aclose(), *(phone.aclose() for phone in phones.values()))
    dropped = disconnect_check(run, [*members, projector, chair])
    await close_all([*members, projector, chair])
    ballots = run.db.query("SELECT count(*) FROM voting_ballot WHERE poll_id = %s", (run.poll_id,))
    marks = run.db.query(
        "SELECT count(*) FROM voting_rollmark m JOIN voting_rollentry e "
        "ON m.roll_entry_id = e.id WHERE e.poll_id = %s",
        (run.poll_id,),
    )
    db_ballots, db_marks = int(ballots[0][0]), int(marks[0][0])

    vote, after_ack, uncovered = projector_latencies(voters, projector)
    saw_open = [c for c in voters if c.poll_open_at is not None]
    failures = Counter(c.ack_detail or "no answer" for c in voters if not c.ack_ok)

    def ack_times(via: str | None) -> list[float]:
        return [
            c.ack_at - c.cast_sent  # type: ignore[operator]
            for c in voters
            if c.ack_ok and (via is None or c.via == via)
        ]

    metrics.update(
        {
            "voters": len(voters),
            "acks": acks,
            "acks_ws": sum(1 for c in voters if c.ack_ok and c.via == "ws"),
            "acks_rest": sum(1 for c in voters if c.ack_ok and c.via == "rest"),
            "ballot_failures": dict(failures.most_common(10)),
            "db_ballots": db_ballots,
            "db_roll_marks": db_marks,
            "poll_open_delivery_ms": summary_ms([c.poll_open_at - opened_at for c in saw_open]),  # type: ignore[operator]
            "ack_ms": summary_ms(ack_times(None)),
            "ack_ws_ms": summary_ms(ack_times("ws")),
            "ack_rest_ms": summary_ms(ack_times("rest")),
            "vote_to_projector_ms": summary_ms(vote),
            "ack_to_projector_ms": summary_ms(after_ack),
            "ballots_not_shown_on_projector": uncovered,
            "projector_updates": len(projector.turnouts),
            "projector_final_ballots": max((t[1] for t in projector.turnouts), default=0),
            "voting_wall_s": round(answered_at - opened_at, 2),
            "frames_delivered": frames,
            "cpu": usage(before, after),
            "memory": memory_metrics(before_connect, connected, len(voters)),
            "rss_end_mb": rss_mb(after),
            "poll_close_status": close.status_code,
            "disconnects": dropped,
        }
    )
    run.check("every member saw the poll open", len(saw_open) == len(voters), len(saw_open))
    run.check("every ballot acknowledged", acks == len(voters), f"{acks}/{len(voters)}")
    run.check(
        "no lost or doubled ballots (database = acknowledgements)",
        db_ballots == acks,
        f"db {db_ballots}, acks {acks}",
    )
    run.check("one roll mark per ballot", db_marks == db_ballots, f"{db_marks}/{db_ballots}")
    run.check(
        "projector shows the final count",
        metrics["projector_final_ballots"] == acks,
        f"{metrics['projector_final_ballots']}/{acks}",
    )
    run.target("ack p99", metrics["ack_ms"]["p99"], 300, "ms")
    run.target("vote-to-projector p99", metrics["vote_to_projector_ms"]["p99"], 1000, "ms")
    run.target("server CPU (% of one core)", metrics["cpu"]["server_cpu_pct_of_one_core"], 70, "%")
    return run.outcome(metrics)


# --- S3, S4: broadcast ------------------------------------------------------------------


async def broadcast(run: Run) -> Outcome:
    args = run.args
    projector, chair = run.projector(), run.chair()
    await run.connect([projector, chair], 0)
    if not chair.connected:
        raise RuntimeError(f"chair: {chair.connect_error}")
    members = run.members()
    wall = await run.connect(members, args.ramp)
    metrics = connection_metrics(run, members, wall)
    receivers = [c for c in members if c.connected]
    await asyncio.sleep(1)

    items = args.agenda_items
    position, step = 0, 1  # the seed started the meeting: item 1 is current
    latencies: list[float] = []
    per_change_p99: list[float | None] = []
    missing = 0
    refused: list[str] = []
    accepted = 0  # agenda events every socket should have had so far
    frames_before = run.counters.frames
    before = run.probe.sample()
    for i in range(-args.warmup_changes, args.changes):
        if i == 0:  # the warm-up changes (cold code paths) are not measured
            latencies, per_change_p99, missing, refused = [], [], 0, []
            frames_before = run.counters.frames
            before = run.probe.sample()
        if not 0 <= position + step < items:
            step = -step
        position += step
        message = {"type": "agenda.advance", "direction": "next" if step > 0 else "previous"}
        sent, _answered, reply = await chair.command(message, f"a{i}", args.connect_timeout)
        if reply.get("type") != "ack":
            refused.append(str(reply.get("code")))
            continue
        deadline = perf_counter() + args.delivery_timeout
        # The chair's own copy of the event names its sequence number.
        while perf_counter() < deadline and len(chair.agenda) <= accepted:
            await asyncio.sleep(0.005)
        if len(chair.agenda) <= accepted:
            refused.append("no agenda.changed event reached the chair")
            continue
        seq = chair.agenda[accepted][1]
        accepted += 1
        while perf_counter() < deadline and any(
            (not c.agenda or c.agenda[-1][1] < seq) and not c.dropped for c in receivers
        ):
            await asyncio.sleep(0.01)
        this = [t - sent for c in receivers for t, s in reversed(c.agenda[-3:]) if s == seq]
        missing += len(receivers) - len(this)
        latencies += this
        per_change_p99.append(None if not this else round(1000 * (percentile(this, 99) or 0), 1))
        if i + 1 < args.changes:
            await asyncio.sleep(args.interval)
    after = run.probe.sample()
    frames = run.counters.frames - frames_before
    cpu = usage(before, after)
    disconnect_check(run, [*members, projector, chair])
    await close_all([*members, projector, chair])
    metrics.update(
        {
            "changes": args.changes,
            "delivery_ms": summary_ms(latencies),
            "delivery_p99_per_change_ms": per_change_p99,
            "frames_delivered": frames,
            "cpu": cpu,
            "cpu_us_per_frame": round(cpu["server_cpu_s"] * 1e6 / frames, 1) if frames else None,
        }
    )
    run.check("the chair's changes were accepted", not refused, refused)
    run.check("every socket got every change", missing == 0, f"{missing} missing")
    run.target("delivery p99", metrics["delivery_ms"]["p99"], 500, "ms")
    run.target("CPU per delivered frame", metrics["cpu_us_per_frame"], 200, "µs")
    return run.outcome(metrics)


# --- S5 soak -----------------------------------------------------------------------------


async def soak(run: Run) -> Outcome:
    args = run.args
    members = run.members()
    before_connect = run.probe.sample()
    wall = await run.connect(members, args.ramp)
    metrics = connection_metrics(run, members, wall)
    await asyncio.sleep(min(5.0, args.duration / 10))
    start = run.probe.sample()
    series: list[tuple[float, float, int]] = []
    ends_at = perf_counter() + args.duration

    async def pinger(client: Client) -> None:
        await asyncio.sleep(run.rng.uniform(0, args.ping_interval))
        n = 0
        while perf_counter() < ends_at and not client.dropped:
            try:
                await client.ping(f"p{n}")
            except Exception:
                return
            n += 1
            await asyncio.sleep(args.ping_interval)

    pingers = [asyncio.create_task(pinger(c)) for c in members if c.connected]
    while perf_counter() < ends_at:
        await asyncio.sleep(min(args.sample, max(0.0, ends_at - perf_counter())))
        sample = run.probe.sample()
        dropped = sum(1 for c in members if c.dropped)
        mb = round(rss_total(sample) / 2**20, 1)
        series.append((round(sample.at - start.at, 1), mb, dropped))
    end = run.probe.sample()
    for task in pingers:
        task.cancel()
    await asyncio.gather(*pingers, return_exceptions=True)
    await asyncio.sleep(1)  # the last pongs
    growth = 100 * (rss_total(end) - rss_total(start)) / max(1, rss_total(start))
    rtts = [rtt for c in members for rtt in c.pong_rtts]
    sent = sum(c.pings_sent for c in members)
    metrics.update(
        {
            "duration_s": args.duration,
            "ping_interval_s": args.ping_interval,
            "pings_sent": sent,
            "pongs_missing": sent - len(rtts),
            "pong_ms": summary_ms(rtts),
            "cpu": usage(start, end),
            "memory": memory_metrics(before_connect, start, metrics["connected"]),
            "rss_start_mb": rss_mb(start),
            "rss_end_mb": rss_mb(end),
            "rss_growth_pct": round(growth, 2),
            "rss_series_mb": series,
        }
    )
    disconnect_check(run, members)
    run.check("every ping answered", sent == len(rtts), f"{len(rtts)}/{sent}")
    await close_all(members)
    run.target("memory growth", metrics["rss_growth_pct"], 10, "%")
    return run.outcome(metrics)


# --- S7: a share of the members on networks that refuse WebSockets ---------------------


def split_members(run: Run) -> tuple[list[Client], list[Client]]:
    """S7's members: a share (--http-share, drawn at random) follows over HTTP
    and casts over REST, on the last server process; the others use the
    socket, on the first. So each process's CPU is one path's (the first also
    serves chair and projector). With one process the paths share it."""
    seeds = run.seed["members"][: run.args.members]
    chosen = set(run.rng.sample(range(len(seeds)), round(len(seeds) * run.args.http_share)))
    sockets: list[Client] = []
    followers: list[Client] = []
    for i, member in enumerate(seeds):
        http = i in chosen
        client = Client(
            name=f"m{i}",
            role="member",
            port=run.servers[-1 if http else 0].port,
            transport="http" if http else "ws",
            session=member["session"],
            poll_id=run.poll_id,
            counters=run.counters,
        )
        (followers if http else sockets).append(client)
    return sockets, followers


MEASURABLE_CPU_S = 0.05


def path_cpu(
    run: Run,
    before: Sample,
    after: Sample,
    sockets: list[Client],
    followers: list[Client],
    baseline: dict[int, float],
) -> dict[str, Any]:
    """Server CPU of a phase per member of each path, in ms, and their ratio:
    each process's CPU less what it spends with no member connected
    (`baseline`, CPU seconds per second: timers, the loop), so that a small
    run's figures are the members' own."""
    first, last = run.servers[0].pid, run.servers[-1].pid
    wall = after.at - before.at

    def net(pid: int) -> float:
        return max(0.0, after.cpu[pid] - before.cpu[pid] - baseline.get(pid, 0.0) * wall)

    ws, http = net(first), net(last)
    out: dict[str, Any] = {"wall_s": round(wall, 2)}
    if first == last:  # one process: not split by path
        out["cpu_ms_per_member"] = round(1000 * ws / max(1, len(sockets) + len(followers)), 2)
        return out
    ws_each = 1000 * ws / max(1, len(sockets))
    http_each = 1000 * http / max(1, len(followers))
    # /proc counts CPU in 10 ms ticks: below a few ticks a ratio is noise.
    measurable = min(ws, http) >= MEASURABLE_CPU_S
    out.update(
        {
            "ws_process_cpu_s": round(ws, 3),
            "http_process_cpu_s": round(http, 3),
            "ws_cpu_ms_per_member": round(ws_each, 2),
            "http_cpu_ms_per_member": round(http_each, 2),
            "http_to_ws_ratio": round(http_each / ws_each, 2) if measurable else None,
        }
    )
    return out


def follow_requests(clients: list[Client]) -> int:
    return sum(c.follow_requests for c in clients)


async def agenda_changes(
    run: Run, chair: Client, receivers: list[Client]
) -> tuple[dict[str, list[float]], int, list[str]]:
    """The chair moves the agenda `--changes` times; each change's delivery
    time to every receiver, by path, and how many never arrived."""
    args = run.args
    latencies: dict[str, list[float]] = {"ws": [], "http": []}
    missing, refused = 0, []
    position, step = 0, 1
    for i in range(args.changes):
        if not 0 <= position + step < args.agenda_items:
            step = -step
        position += step
        message = {"type": "agenda.advance", "direction": "next" if step > 0 else "previous"}
        seen = len(chair.agenda)
        sent, _answered, reply = await chair.command(message, f"a{i}", args.connect_timeout)
        if reply.get("type") != "ack":
            refused.append(str(reply.get("code")))
            continue
        deadline = perf_counter() + args.delivery_timeout
        while perf_counter() < deadline and len(chair.agenda) <= seen:
            await asyncio.sleep(0.005)
        if len(chair.agenda) <= seen:
            refused.append("no agenda.changed event reached the chair")
            continue
        seq = chair.agenda[seen][1]
        while perf_counter() < deadline and any(
            not any(s >= seq for _t, s in c.agenda[-3:]) and not c.dropped for c in receivers
        ):
            await asyncio.sleep(0.01)
        for c in receivers:
            times = [t for t, s in c.agenda if s == seq]
            if times:
                latencies[c.transport].append(times[0] - sent)
            else:
                missing += 1
        await asyncio.sleep(args.interval)
    return latencies, missing, refused


async def http_fallback(run: Run) -> Outcome:
    args = run.args
    projector, chair = run.projector(), run.chair()
    await run.connect([projector, chair], 0)
    if not (projector.connected and chair.connected):
        raise RuntimeError(f"projector/chair: {projector.connect_error} {chair.connect_error}")
    # Each process's CPU with no member connected, subtracted from every phase.
    start = run.probe.sample()
    await asyncio.sleep(args.baseline)
    end = run.probe.sample()
    baseline = {pid: (end.cpu[pid] - start.cpu[pid]) / (end.at - start.at) for pid in start.cpu}
    sockets, followers = split_members(run)
    members = sockets + followers
    before_connect = run.probe.sample()
    wall = await run.connect(members, args.ramp)
    metrics = connection_metrics(run, members, wall)
    connected = run.probe.sample()
    metrics["memory"] = memory_metrics(before_connect, connected, metrics["connected"])
    metrics["members_ws"], metrics["members_http"] = len(sockets), len(followers)
    metrics["baseline_cpu_pct_per_process"] = [round(100 * v, 2) for v in baseline.values()]

    # Phase 1: following a quiet meeting (the long-polls' own cost).
    requests_before = follow_requests(followers)
    before = run.probe.sample()
    await asyncio.sleep(args.hold)
    after = run.probe.sample()
    metrics["idle"] = path_cpu(run, before, after, sockets, followers, baseline)
    metrics["idle"]["follow_requests_per_member_per_min"] = round(
        60
        * (follow_requests(followers) - requests_before)
        / max(1, len(followers))
        / max(1e-9, after.at - before.at),
        2,
    )

    # Phase 2: agenda changes reach both paths.
    receivers = [c for c in members if c.connected]
    before = run.probe.sample()
    latencies, missing, refused = await agenda_changes(run, chair, receivers)
    after = run.probe.sample()
    metrics["agenda"] = path_cpu(run, before, after, sockets, followers, baseline)
    metrics["agenda_delivery_ws_ms"] = summary_ms(latencies["ws"])
    metrics["agenda_delivery_http_ms"] = summary_ms(latencies["http"])
    run.check("the chair's changes were accepted", not refused, refused)
    run.check("every member got every change", missing == 0, f"{missing} missing")

    # Phase 3: a poll; socket members cast over the socket, the others over REST.
    voters = receivers
    options = run.seed["options"]
    choices = [options["Yes"], options["No"], options["Abstain"]]
    plan = {c.name: (run.rng.uniform(0, args.window), run.rng.choice(choices)) for c in voters}
    loop = asyncio.get_running_loop()
    outstanding = len(voters)
    all_answered = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    answer_timeout = args.window + args.deadline

    async def cast_later(client: Client, delay: float, choice: int) -> None:
        nonlocal outstanding
        try:
            await asyncio.sleep(delay)
            if client.transport == "http":
                assert client.http is not None
                await client.cast_rest(client.http, choice, answer_timeout)
            else:
                await client.cast_ws(choice, answer_timeout)
        finally:
            outstanding -= 1
            if outstanding == 0:
                all_answered.set()

    def on_open(client: Client) -> None:
        tasks.append(loop.create_task(cast_later(client, *plan[client.name])))

    for client in voters:
        client.on_poll_open = on_open
    http = http_client()
    requests_before = follow_requests(followers)
    frames_before = run.counters.frames
    before = run.probe.sample()
    opened_at = perf_counter()
    response = await http.post(
        f"{chair.origin}/api/polls/{run.poll_id}/open/", json={}, headers=chair.rest_headers()
    )
    if response.status_code != 200:
        raise RuntimeError(f"opening the poll: {response.status_code} {response.text[:500]}")
    if voters:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_answered.wait(), answer_timeout)
    acks = sum(1 for c in voters if c.ack_ok)
    catch_up_deadline = perf_counter() + args.catch_up
    while perf_counter() < catch_up_deadline and (
        not projector.turnouts or max(t[1] for t in projector.turnouts) < acks
    ):
        await asyncio.sleep(0.02)
    after = run.probe.sample()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    close = await http.post(
        f"{chair.origin}/api/polls/{run.poll_id}/close/", json={}, headers=chair.rest_headers()
    )
    await http.aclose()
    dropped = disconnect_check(run, [*sockets, projector, chair])
    errors = sum(c.follow_errors for c in followers)
    run.check("no failed follow requests", errors == 0, f"{errors} failed")
    await close_all([*members, projector, chair])
    ballots = run.db.query("SELECT count(*) FROM voting_ballot WHERE poll_id = %s", (run.poll_id,))
    marks = run.db.query(
        "SELECT count(*) FROM voting_rollmark m JOIN voting_rollentry e "
        "ON m.roll_entry_id = e.id WHERE e.poll_id = %s",
        (run.poll_id,),
    )
    db_ballots, db_marks = int(ballots[0][0]), int(marks[0][0])
    vote, after_ack, uncovered = projector_latencies(voters, projector)
    failures = Counter(c.ack_detail or "no answer" for c in voters if not c.ack_ok)

    def by_path(transport: str) -> list[Client]:
        return [c for c in voters if c.transport == transport]

    def acked(clients: list[Client]) -> list[float]:
        return [c.ack_at - c.cast_sent for c in clients if c.ack_ok]  # type: ignore[operator]

    def opened(clients: list[Client]) -> list[float]:
        return [c.poll_open_at - opened_at for c in clients if c.poll_open_at is not None]

    poll_requests = follow_requests(followers) - requests_before
    metrics.update(
        {
            "poll": path_cpu(run, before, after, sockets, followers, baseline),
            "voters": len(voters),
            "acks": acks,
            "acks_ws": sum(1 for c in by_path("ws") if c.ack_ok),
            "acks_rest": sum(1 for c in by_path("http") if c.ack_ok),
            "ballot_failures": dict(failures.most_common(10)),
            "db_ballots": db_ballots,
            "db_roll_marks": db_marks,
            "poll_open_delivery_ws_ms": summary_ms(opened(by_path("ws"))),
            "poll_open_delivery_http_ms": summary_ms(opened(by_path("http"))),
            "ack_ms": summary_ms(acked(voters)),
            "ack_ws_ms": summary_ms(acked(by_path("ws"))),
            "ack_rest_ms": summary_ms(acked(by_path("http"))),
            "vote_to_projector_ms": summary_ms(vote),
            "ack_to_projector_ms": summary_ms(after_ack),
            "ballots_not_shown_on_projector": uncovered,
            "projector_final_ballots": max((t[1] for t in projector.turnouts), default=0),
            "follow_requests_in_poll": poll_requests,
            "follow_snapshots": sum(c.follow_snapshots for c in followers),
            "frames_delivered": run.counters.frames - frames_before,
            "cpu": usage(before, after),
            "rss_end_mb": rss_mb(after),
            "poll_close_status": close.status_code,
            "disconnects": dropped,
        }
    )
    saw_open = [c for c in voters if c.poll_open_at is not None]
    run.check("every member saw the poll open", len(saw_open) == len(voters), len(saw_open))
    run.check("every ballot acknowledged", acks == len(voters), f"{acks}/{len(voters)}")
    run.check(
        "no lost or doubled ballots (database = acknowledgements)",
        db_ballots == acks,
        f"db {db_ballots}, acks {acks}",
    )
    run.check("one roll mark per ballot", db_marks == db_ballots, f"{db_marks}/{db_ballots}")
    run.check(
        "projector shows the final count",
        metrics["projector_final_ballots"] == acks,
        f"{metrics['projector_final_ballots']}/{acks}",
    )
    run.target("ack p99", metrics["ack_ms"]["p99"], 300, "ms")
    run.target("vote-to-projector p99", metrics["vote_to_projector_ms"]["p99"], 1000, "ms")
    run.target(
        "agenda delivery p99 over HTTP", metrics["agenda_delivery_http_ms"]["p99"], 2000, "ms"
    )
    run.target(
        "HTTP / socket CPU per member during the poll",
        metrics["poll"].get("http_to_ws_ratio"),
        3,
        "x",
    )
    return run.outcome(metrics)


# --- S8: the speakers' list -------------------------------------------------------------


async def speakers_queue(run: Run) -> Outcome:
    """N phones follow; R of them ask to speak at random moments within the
    window. Latency: from a request's send to each phone's first
    speakers.changed that lists it (the phone's place in the queue)."""
    args = run.args
    projector, chair = run.projector(), run.chair()
    await run.connect([projector, chair], 0)
    members = run.members()
    wall = await run.connect(members, args.ramp)
    metrics = connection_metrics(run, members, wall)
    receivers = [c for c in members if c.connected]
    await asyncio.sleep(1)
    askers = run.rng.sample(receivers, min(args.requests, len(receivers)))
    sent_at: dict[int, float] = {}
    refused: list[str] = []
    acks: list[float] = []

    async def ask(client: Client, delay: float, ref: str) -> None:
        await asyncio.sleep(delay)
        message = {"type": "speaker.request", "kind": "speak"}
        try:
            sent, answered, reply = await client.command(message, ref, args.connect_timeout)
        except (TimeoutError, ConnectionError) as exc:
            refused.append(type(exc).__name__)
            return
        if reply.get("type") == "ack":
            sent_at[int(reply["speech_id"])] = sent
            acks.append(answered - sent)
        else:
            refused.append(str(reply.get("code")))

    before = run.probe.sample()
    frames_before = run.counters.frames
    await asyncio.gather(
        *(ask(c, run.rng.uniform(0, args.window), f"s{i}") for i, c in enumerate(askers))
    )
    watchers = [*receivers, projector, chair]
    deadline = perf_counter() + args.delivery_timeout
    while perf_counter() < deadline and any(
        len(c.speeches_seen) < len(sent_at) and not c.dropped for c in watchers
    ):
        await asyncio.sleep(0.05)
    after = run.probe.sample()
    frames = run.counters.frames - frames_before
    latencies = [
        c.speeches_seen[speech] - sent
        for c in receivers
        for speech, sent in sent_at.items()
        if speech in c.speeches_seen
    ]
    missing = len(sent_at) * len(receivers) - len(latencies)
    # Where the time goes: until the first phone lists a request (the write,
    # the coalescing wait, the build), then until the last one does (the
    # fan-out to every socket).
    firsts, spreads = [], []
    for speech, sent in sent_at.items():
        seen = [c.speeches_seen[speech] for c in receivers if speech in c.speeches_seen]
        if seen:
            firsts.append(min(seen) - sent)
            spreads.append(max(seen) - min(seen))
    projector_ms = [
        projector.speeches_seen[s] - t for s, t in sent_at.items() if s in projector.speeches_seen
    ]
    waiting = run.db.query(
        "SELECT count(*) FROM speakers_speech WHERE meeting_id = %s AND state = 'waiting'",
        (run.meeting_id,),
    )[0][0]
    disconnect_check(run, [*members, projector, chair])
    await close_all([*members, projector, chair])
    cpu = usage(before, after)
    metrics.update(
        {
            "requests": len(askers),
            "window_s": args.window,
            "acks": len(sent_at),
            "refused": dict(Counter(refused)),
            "request_ack_ms": summary_ms(acks),
            "queue_update_ms": summary_ms(latencies),
            "queue_update_projector_ms": summary_ms(projector_ms),
            "queue_update_first_phone_ms": summary_ms(firsts),
            "queue_update_fanout_ms": summary_ms(spreads),
            "speakers_frames_to_phones": len(run.counters.speakers_bytes),
            "speakers_frame_bytes_mean": round(mean(run.counters.speakers_bytes or [0])),
            "speakers_frame_bytes_max": max(run.counters.speakers_bytes or [0]),
            "db_waiting": waiting,
            "frames_delivered": frames,
            "cpu": cpu,
        }
    )
    run.check("every request acknowledged", not refused, refused[:10])
    run.check(
        "no lost or doubled request (database = acknowledgements)",
        waiting == len(sent_at),
        f"db {waiting}, acks {len(sent_at)}",
    )
    run.check("every phone saw every request", missing == 0, f"{missing} missing")
    run.target("queue update to phones p99", metrics["queue_update_ms"]["p99"], 1000, "ms")
    run.target("request ack p99", metrics["request_ack_ms"]["p99"], 300, "ms")
    return run.outcome(metrics)


# --- S9: encrypted ballots ----------------------------------------------------------------


def _encrypted_ballots(
    poll_id: int,
    public_key: str,
    plan: list[tuple[int, str, list[int]]],
    roles: list[str],
) -> list[dict[str, Any]]:
    """Each phone's ballot as its page makes it (voting.crypto, the JavaScript
    twin's reference): proofs bound to `poll:<id>` and `ballot:<nonce key>`,
    the nonce key being the hex SHA-256 of `<poll id>:<roll entry id>:<nonce>`.
    A motion marks exactly one option, abstain alone or another."""
    from voting.crypto.ballots import BallotContext, encrypt_ballot
    from voting.encrypted_record import marks_range

    low, high, abstain = marks_range("motion", 1, 1, roles)

    key = bytes.fromhex(public_key)
    out = []
    for entry_id, nonce, marks in plan:
        nonce_key = hashlib.sha256(f"{poll_id}:{entry_id}:{nonce}".encode()).hexdigest()
        context = BallotContext(f"poll:{poll_id}", f"ballot:{nonce_key}")
        out.append(encrypt_ballot(key, marks, low, high, context, abstain=abstain).to_json())
    return out


def _partials(
    poll_id: int, index: int, secret_share: int, products: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A teller's partial decryptions of the close's products, with proofs,
    as the tellers' page computes them with its secret share."""
    from voting.crypto.elgamal import Ciphertext
    from voting.crypto.group import decode_point
    from voting.crypto.threshold import partial_decrypt

    return [
        partial_decrypt(
            f"poll:{poll_id}",
            p["name"],
            index,
            secret_share,
            Ciphertext(
                decode_point(p["a"], allow_identity=True),
                decode_point(p["b"], allow_identity=True),
            ),
        ).to_json()
        for p in products
    ]


async def encrypted_poll(run: Run) -> Outcome:
    """N phones cast encrypted ballots, made before the window, over the
    socket (`ballot.cast_encrypted`) or REST within the window; then the
    chair closes (the server multiplies the ciphertexts) and two of the three
    tellers send their partial decryptions (the server checks them, combines
    them and finds the totals)."""
    args = run.args
    projector, chair = run.projector(), run.chair()
    await run.connect([projector, chair], 0)
    if not (projector.connected and chair.connected):
        raise RuntimeError(f"projector/chair: {projector.connect_error} {chair.connect_error}")
    members = run.members()
    wall = await run.connect(members, args.ramp)
    await asyncio.sleep(1)
    metrics = connection_metrics(run, members, wall)
    voters = [c for c in members if c.connected]
    http = http_client()

    response = await http.post(
        f"{chair.origin}/api/polls/{run.poll_id}/open/", json={}, headers=chair.rest_headers()
    )
    if response.status_code != 200:
        raise RuntimeError(f"opening the poll: {response.status_code} {response.text[:500]}")
    deadline = perf_counter() + args.delivery_timeout
    while perf_counter() < deadline and any(c.poll_open_at is None for c in voters):
        await asyncio.sleep(0.05)
    saw_open = [c for c in voters if c.poll_open_at is not None]

    # Before the window: every phone's ballot, for its roll entry.
    entries = dict(
        run.db.query(
            "SELECT member_id, id FROM voting_rollentry WHERE poll_id = %s", (run.poll_id,)
        )
    )
    participant = {f"m{i}": m["participant_id"] for i, m in enumerate(run.seed["members"])}
    labels = run.seed["option_order"]
    plan: dict[str, tuple[float, str, str, int]] = {}  # name: (delay, via, nonce, option)
    for c in voters:
        plan[c.name] = (
            run.rng.uniform(0, args.window),
            "rest" if run.rng.random() < args.rest_share else "ws",
            ballot_nonce(),
            run.rng.randrange(len(labels)),
        )
    made = perf_counter()
    ballots = await asyncio.to_thread(
        _encrypted_ballots,
        run.poll_id,
        run.seed["public_key"],
        [
            (
                entries[participant[c.name]],
                plan[c.name][2],
                [int(j == plan[c.name][3]) for j in range(len(labels))],
            )
            for c in voters
        ],
        run.seed["option_roles"],
    )
    made = perf_counter() - made
    ballot_of = {c.name: b for c, b in zip(voters, ballots, strict=True)}

    phones = {name: http_client() for name, p in plan.items() if p[1] == "rest"}
    answer_timeout = args.window + args.deadline

    async def cast_later(client: Client) -> None:
        delay, via, nonce, _option = plan[client.name]
        await asyncio.sleep(delay)
        if via == "rest":
            await client.cast_encrypted_rest(
                phones[client.name], ballot_of[client.name], nonce, answer_timeout
            )
        else:
            await client.cast_encrypted_ws(ballot_of[client.name], nonce, answer_timeout)

    frames_before = run.counters.frames
    before = run.probe.sample()
    started = perf_counter()
    await asyncio.gather(*(cast_later(c) for c in voters))
    answered_at = perf_counter()
    acked = [c for c in voters if c.ack_ok]
    catch_up_deadline = perf_counter() + args.catch_up
    while perf_counter() < catch_up_deadline and (
        not projector.turnouts or max(t[1] for t in projector.turnouts) < len(acked)
    ):
        await asyncio.sleep(0.02)
    after = run.probe.sample()
    frames = run.counters.frames - frames_before
    vote, after_ack, uncovered = projector_latencies(voters, projector)

    # The close: the server multiplies every ballot's ciphertexts.
    t = perf_counter()
    close = await http.post(
        f"{chair.origin}/api/polls/{run.poll_id}/close/", json={}, headers=chair.rest_headers()
    )
    close_s = perf_counter() - t
    close_state = close.json().get("state") if close.status_code == 200 else close.text[:200]
    # Two of the three tellers decrypt; the second one's request combines the
    # partials and finds the totals (baby-step giant-step).
    tellers = [
        Client(
            name=f"teller{t['index']}",
            role="member",
            port=run.servers[0].port,
            session=run.seed["members"][t["member"]]["session"],
            poll_id=run.poll_id,
        )
        for t in run.seed["tellers"][:2]
    ]
    ceremony = await http.get(
        f"{chair.origin}/api/polls/{run.poll_id}/tellers/", headers=tellers[0].rest_headers()
    )
    products = ceremony.json().get("products") or []
    decrypt_s: list[float] = []
    decrypt_status: list[int] = []
    for teller, secret in zip(tellers, run.seed["tellers"][:2], strict=True):
        partials = await asyncio.to_thread(
            _partials, run.poll_id, secret["index"], int(secret["secret_share"]), products
        )
        t = perf_counter()
        answer = await http.post(
            f"{chair.origin}/api/polls/{run.poll_id}/tellers/decrypt/",
            json={"partials": partials},
            headers=teller.rest_headers(),
        )
        decrypt_s.append(perf_counter() - t)
        decrypt_status.append(answer.status_code)
    await asyncio.gather(http.aclose(), *(phone.aclose() for phone in phones.values()))
    dropped = disconnect_check(run, [*members, projector, chair])
    await close_all([*members, projector, chair])

    db_ballots = int(
        run.db.query("SELECT count(*) FROM voting_ballot WHERE poll_id = %s", (run.poll_id,))[0][0]
    )
    db_receipts = {
        str(r[0])
        for r in run.db.query(
            "SELECT receipt_code FROM voting_ballot WHERE poll_id = %s", (run.poll_id,)
        )
    }
    db_marks = int(
        run.db.query(
            "SELECT count(*) FROM voting_rollmark m JOIN voting_rollentry e "
            "ON m.roll_entry_id = e.id WHERE e.poll_id = %s",
            (run.poll_id,),
        )[0][0]
    )
    state, result = run.db.query(
        "SELECT state, result FROM voting_poll WHERE id = %s", (run.poll_id,)
    )[0]
    result = result if isinstance(result, dict) else json.loads(result or "null") or {}
    decrypted = {o["label"]: int(o["ballots"]) for o in result.get("options", [])}
    expected = Counter(labels[plan[c.name][3]] for c in acked)
    failures = Counter(c.ack_detail or "no answer" for c in voters if not c.ack_ok)

    def ack_times(via: str | None) -> list[float]:
        return [c.ack_at - c.cast_sent for c in acked if via is None or c.via == via]  # type: ignore[operator]

    metrics.update(
        {
            "voters": len(voters),
            "ballots_made_s": round(made, 2),
            "acks": len(acked),
            "acks_ws": sum(1 for c in acked if c.via == "ws"),
            "acks_rest": sum(1 for c in acked if c.via == "rest"),
            "ballot_failures": dict(failures.most_common(10)),
            "db_ballots": db_ballots,
            "db_roll_marks": db_marks,
            "ack_ms": summary_ms(ack_times(None)),
            "ack_ws_ms": summary_ms(ack_times("ws")),
            "ack_rest_ms": summary_ms(ack_times("rest")),
            "vote_to_projector_ms": summary_ms(vote),
            "ack_to_projector_ms": summary_ms(after_ack),
            "ballots_not_shown_on_projector": uncovered,
            "projector_final_ballots": max((t[1] for t in projector.turnouts), default=0),
            "voting_wall_s": round(answered_at - started, 2),
            "frames_delivered": frames,
            "cpu": usage(before, after),
            "close_ms": round(close_s * 1000, 1),
            "close_state": close_state,
            "decrypt_ms": [round(d * 1000, 1) for d in decrypt_s],
            "decrypt_status": decrypt_status,
            "close_and_decrypt_ms": round((close_s + sum(decrypt_s)) * 1000, 1),
            "poll_state": state,
            "totals_decrypted": decrypted,
            "totals_expected": dict(expected),
            "disconnects": dropped,
        }
    )
    run.check("every member saw the poll open", len(saw_open) == len(voters), len(saw_open))
    run.check("every ballot acknowledged", len(acked) == len(voters), f"{len(acked)}/{len(voters)}")
    receipts = [c.receipt for c in acked]
    run.check(
        "every ballot stored once (database = acknowledgements, same receipts)",
        db_ballots == len(acked) == len(set(receipts)) and db_receipts == set(receipts),
        f"db {db_ballots}, acks {len(acked)}, distinct receipts {len(set(receipts))}",
    )
    run.check("one roll mark per ballot", db_marks == db_ballots, f"{db_marks}/{db_ballots}")
    run.check(
        "the close and both tellers' decryptions accepted",
        close.status_code == 200 and decrypt_status == [200, 200] and state == "closed",
        f"close {close.status_code} {close_state}, tellers {decrypt_status}, poll {state}",
    )
    run.check(
        "decrypted totals = the plaintext sums",
        all(decrypted.get(label, 0) == expected.get(label, 0) for label in labels)
        and sum(decrypted.values()) == len(acked),
        f"decrypted {decrypted}, expected {dict(expected)}",
    )
    run.target("ack p99", metrics["ack_ms"]["p99"], 500, "ms")
    run.target("ballots within the window", metrics["voting_wall_s"], args.window + 1, "s")
    run.target(
        "close + combine and decrypt the totals", metrics["close_and_decrypt_ms"], 5000, "ms"
    )
    return run.outcome(metrics)


SCENARIOS = {
    "S1": connect_storm,
    "S2": poll_vote,
    "S2burst": poll_vote,
    "S3": broadcast,
    "S4": broadcast,
    "S5": soak,
    "S6": poll_vote,
    "S7": http_fallback,
    "S8": speakers_queue,
    "S9": encrypted_poll,
    "naive": poll_vote,
}
