"""The load benchmark harness, run small: a poll with 20 members over 3 s on a
real daphne process, PostgreSQL and Redis. Correctness only (no lost or
doubled ballot); the harness's timings are not asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests import servers

MEMBERS = 20


def test_small_poll_loses_and_doubles_no_ballot(
    require_postgres: None, redis_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "result.json"
    command = [
        sys.executable,
        "-m",
        "bench.run",
        "--scenario",
        "S2",
        "--members",
        str(MEMBERS),
        "--window",
        "3",
        "--ramp",
        "1",
        "--seed",
        "7",  # a fixed plan: both the socket and REST cast ballots
        "--catch-up",
        "5",
        "--deadline",
        "30",
        "--database-url",
        servers.test_database_url(),  # the server; the harness makes its own database
        "--redis-url",
        redis_url,
        "--json-out",
        str(out),
    ]
    done = subprocess.run(command, cwd=servers.ROOT, capture_output=True, text=True, timeout=180)
    assert out.exists(), done.stdout + done.stderr
    result = json.loads(out.read_text())
    metrics, checks = result["metrics"], result["checks"]

    assert metrics["connected"] == MEMBERS
    assert metrics["acks"] == MEMBERS, metrics["ballot_failures"]
    assert metrics["db_ballots"] == MEMBERS
    assert metrics["db_roll_marks"] == MEMBERS
    assert metrics["acks_ws"] + metrics["acks_rest"] == MEMBERS
    assert metrics["acks_ws"] > 0 and metrics["acks_rest"] > 0
    for name in (
        "all sockets connected",
        "no disconnects",
        "every member saw the poll open",
        "no lost or doubled ballots (database = acknowledgements)",
    ):
        assert checks[name]["ok"], (name, checks[name])


HTTP_MEMBERS = 4


def test_http_followers_and_socket_members_lose_and_double_no_ballot(
    require_postgres: None, redis_url: str, tmp_path: Path
) -> None:
    """S7 small: a fifth of the members follow over HTTP and cast over REST,
    on a second daphne process."""
    out = tmp_path / "result.json"
    command = [
        sys.executable,
        "-m",
        "bench.run",
        "--scenario",
        "S7",
        "--members",
        str(MEMBERS),
        "--http-share",
        str(HTTP_MEMBERS / MEMBERS),
        "--window",
        "3",
        "--ramp",
        "1",
        "--baseline",
        "1",
        "--hold",
        "2",
        "--changes",
        "2",
        "--interval",
        "0.2",
        "--seed",
        "7",
        "--catch-up",
        "5",
        "--deadline",
        "30",
        "--database-url",
        servers.test_database_url(),
        "--redis-url",
        redis_url,
        "--json-out",
        str(out),
    ]
    done = subprocess.run(command, cwd=servers.ROOT, capture_output=True, text=True, timeout=240)
    assert out.exists(), done.stdout + done.stderr
    result = json.loads(out.read_text())
    metrics, checks = result["metrics"], result["checks"]

    assert metrics["connected"] == MEMBERS
    assert (metrics["members_ws"], metrics["members_http"]) == (
        MEMBERS - HTTP_MEMBERS,
        HTTP_MEMBERS,
    )
    assert metrics["acks"] == MEMBERS, metrics["ballot_failures"]
    assert (metrics["acks_ws"], metrics["acks_rest"]) == (MEMBERS - HTTP_MEMBERS, HTTP_MEMBERS)
    assert metrics["db_ballots"] == metrics["db_roll_marks"] == MEMBERS
    assert metrics["agenda_delivery_http_ms"]["n"] == 2 * HTTP_MEMBERS
    for name in (
        "all sockets connected",
        "every member got every change",
        "no failed follow requests",
        "every member saw the poll open",
        "no lost or doubled ballots (database = acknowledgements)",
    ):
        assert checks[name]["ok"], (name, checks[name])


SPEAKERS_MEMBERS = 20
REQUESTS = 8


def test_speakers_queue_loses_and_doubles_no_request(
    require_postgres: None, redis_url: str, tmp_path: Path
) -> None:
    """S8 small: 20 phones follow, 8 ask to speak within 2 s; every phone
    sees every request in the queue."""
    out = tmp_path / "result.json"
    command = [
        sys.executable,
        "-m",
        "bench.run",
        "--scenario",
        "S8",
        "--members",
        str(SPEAKERS_MEMBERS),
        "--requests",
        str(REQUESTS),
        "--window",
        "2",
        "--ramp",
        "1",
        "--seed",
        "7",
        "--database-url",
        servers.test_database_url(),
        "--redis-url",
        redis_url,
        "--json-out",
        str(out),
    ]
    done = subprocess.run(command, cwd=servers.ROOT, capture_output=True, text=True, timeout=180)
    assert out.exists(), done.stdout + done.stderr
    result = json.loads(out.read_text())
    metrics, checks = result["metrics"], result["checks"]

    assert metrics["connected"] == SPEAKERS_MEMBERS
    assert metrics["acks"] == metrics["db_waiting"] == REQUESTS, metrics["refused"]
    assert metrics["queue_update_ms"]["n"] == SPEAKERS_MEMBERS * REQUESTS
    for name in (
        "all sockets connected",
        "every request acknowledged",
        "no lost or doubled request (database = acknowledgements)",
        "every phone saw every request",
    ):
        assert checks[name]["ok"], (name, checks[name])


ENCRYPTED_MEMBERS = 12


def test_encrypted_ballots_are_stored_once_and_decrypt_to_the_plaintexts(
    require_postgres: None, redis_url: str, tmp_path: Path
) -> None:
    """S9 small: 12 phones cast encrypted ballots over the socket and REST
    within 2 s; the close and two of three tellers' partial decryptions give
    the totals the phones encrypted."""
    out = tmp_path / "result.json"
    command = [
        sys.executable,
        "-m",
        "bench.run",
        "--scenario",
        "S9",
        "--members",
        str(ENCRYPTED_MEMBERS),
        "--window",
        "2",
        "--ramp",
        "1",
        "--seed",
        "7",  # a fixed plan: both the socket and REST cast ballots
        "--catch-up",
        "5",
        "--database-url",
        servers.test_database_url(),
        "--redis-url",
        redis_url,
        "--json-out",
        str(out),
    ]
    done = subprocess.run(command, cwd=servers.ROOT, capture_output=True, text=True, timeout=240)
    assert out.exists(), done.stdout + done.stderr
    result = json.loads(out.read_text())
    metrics, checks = result["metrics"], result["checks"]

    assert metrics["acks"] == metrics["db_ballots"] == ENCRYPTED_MEMBERS, metrics["ballot_failures"]
    assert metrics["acks_ws"] > 0 and metrics["acks_rest"] > 0
    assert metrics["poll_state"] == "closed"
    assert sum(metrics["totals_decrypted"].values()) == ENCRYPTED_MEMBERS
    assert metrics["totals_decrypted"] == {
        label: metrics["totals_expected"].get(label, 0) for label in metrics["totals_decrypted"]
    }
    for name in (
        "all sockets connected",
        "every ballot acknowledged",
        "every ballot stored once (database = acknowledgements, same receipts)",
        "one roll mark per ballot",
        "the close and both tellers' decryptions accepted",
        "decrypted totals = the plaintext sums",
        "servers logged no errors",
    ):
        assert checks[name]["ok"], (name, checks[name])
