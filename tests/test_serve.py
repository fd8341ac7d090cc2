"""`crm serve`, as `make run` starts it: a fresh database, demo users, processes, scheduler."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CRM = Path(sys.executable).parent / "crm"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def call(port, path, body=None, token=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                     data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


@pytest.fixture
def served(tmp_path):
    port = free_port()
    env = {**os.environ, "CRM_INSTANCE_DIR": str(tmp_path), "CRM_DEMO": "1", "PORT": str(port),
           "CRM_SCHEDULER_INTERVAL": "1", "CRM_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    env.pop("DATABASE_URL", None)  # the embedded default: SQLite in the instance folder
    process = subprocess.Popen([str(CRM), "serve"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                call(port, "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("crm serve did not come up")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_serve_sets_everything_up_and_runs_the_scheduler(served, tmp_path):
    assert (tmp_path / "crm.sqlite3").exists()
    _, token = call(served, "/api/auth/token", {"username": "alice", "password": "demo"})
    status, instance = call(served, "/api/process-instances",
                            {"process_key": "visit_report", "variables": {"owner": "alice"}},
                            token["token"])
    assert status == 201
    assert instance["active_tasks"][0]["element_id"] == "report"
    deadline = time.time() + 15
    while call(served, "/healthz")[1]["scheduler_last_tick"] is None:
        assert time.time() < deadline, "the in-process scheduler never ticked"
        time.sleep(0.3)
