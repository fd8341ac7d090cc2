"""Engine service benchmark: HTTP throughput and latency against raw SpiffWorkflow.

For each database (SQLite file, PostgreSQL when reachable) this sets up a fresh database,
starts gunicorn with 2 workers, and drives it from this process with client threads:
  - process starts per second (3-user-task process), p50/p99 latency;
  - task completions per second, p50/p99 latency;
  - the time of one task completion on a loop instance whose history holds 10, 100 and
    1,000 completed iterations.
It also runs the same 3-task process in-process on raw SpiffWorkflow (no HTTP, no DB) as
the ceiling, and prints service/raw ratios. Figures go to bench/RESULTS.md by hand.

    .venv/bin/python bench/engine_bench.py [--seconds 10] [--clients 8] [--db sqlite,postgres]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PROCESSES = ROOT / "bench" / "processes"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "crm_bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Client:
    """A keep-alive JSON client for one thread."""

    def __init__(self, port: int, token: str | None = None):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body=None) -> tuple[int, dict]:
        data = json.dumps(body) if body is not None else None
        self.connection.request(method, path, body=data, headers=self.headers)
        response = self.connection.getresponse()
        payload = response.read()
        return response.status, (json.loads(payload) if payload else {})


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def prepare_database(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {PG_BENCH_DB}")
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_BENCH_DB}"


def postgres_reachable() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
        return True
    except Exception:
        return False


class Server:
    """`crm init-db --demo` then gunicorn with 2 workers, in their own processes."""

    def __init__(self, url: str, workdir: Path):
        self.port = free_port()
        self.env = {**os.environ, "DATABASE_URL": url, "CRM_INSTANCE_DIR": str(workdir),
                    "CRM_PROCESS_DIRS": str(PROCESSES), "CRM_DEMO": "1",
                    "SECRET_KEY": "bench"}
        subprocess.run([BIN / "crm", "init-db", "--demo"], env=self.env, check=True,
                       capture_output=True)
        self.process = subprocess.Popen(
            [BIN / "gunicorn", "-w", "2", "-b", f"127.0.0.1:{self.port}", "--log-level",
             "warning", "app:create_app()"], env=self.env, cwd=ROOT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if Client(self.port).call("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not come up")

    def token(self, username: str = "mia") -> str:
        status, body = Client(self.port).call("POST", "/api/auth/token",
                                              {"username": username, "password": "demo"})
        assert status == 200, body
        return body["token"]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def run_clients(clients: int, seconds: float, work) -> tuple[int, list[float], float]:
    """Call work(client_index, state) in a loop on N threads; returns (ops, latencies, time)."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds
    barrier = threading.Barrier(clients + 1)

    def loop(index: int):
        mine = []
        barrier.wait()
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            if not work(index):
                break
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return len(latencies), latencies, time.perf_counter() - began


def bench_http(server: Server, clients: int, seconds: float) -> dict:
    token = server.token()
    conns = [Client(server.port, token) for _ in range(clients)]
    open_tasks: list[list[str]] = [[] for _ in range(clients)]

    def start(index: int) -> bool:
        status, body = conns[index].call("POST", "/api/process-instances",
                                         {"process_key": "bench_three_tasks"})
        assert status == 201, body
        open_tasks[index].append(body["active_tasks"][0]["id"])
        return True

    starts, start_lat, start_time = run_clients(clients, seconds, start)

    def complete(index: int) -> bool:
        if not open_tasks[index]:
            return False
        task_id = open_tasks[index].pop()
        status, body = conns[index].call("POST", f"/api/tasks/{task_id}/complete",
                                         {"data": {}})
        assert status == 200, body
        open_tasks[index].extend(t["id"] for t in body["next_tasks"])
        return True

    completions, done_lat, done_time = run_clients(clients, seconds, complete)
    return {
        "starts_per_s": starts / start_time,
        "start_p50_ms": percentile(start_lat, 0.5) * 1000,
        "start_p99_ms": percentile(start_lat, 0.99) * 1000,
        "completions_per_s": completions / done_time,
        "complete_p50_ms": percentile(done_lat, 0.5) * 1000,
        "complete_p99_ms": percentile(done_lat, 0.99) * 1000,
    }


def bench_loop(server: Server, checkpoints=(10, 100, 1000), samples: int = 20) -> dict:
    client = Client(server.port, server.token())
    status, body = client.call("POST", "/api/process-instances", {"process_key": "bench_loop"})
    assert status == 201, body
    task_id = body["active_tasks"][0]["id"]
    done, results = 0, {}

    def complete_one() -> float:
        nonlocal task_id
        started = time.perf_counter()
        status, body = client.call("POST", f"/api/tasks/{task_id}/complete",
                                   {"data": {"stop": False}})
        elapsed = time.perf_counter() - started
        assert status == 200, body
        task_id = body["next_tasks"][0]["id"]
        return elapsed

    for checkpoint in checkpoints:
        while done < checkpoint:
            complete_one()
            done += 1
        timings = [complete_one() for _ in range(samples)]
        done += samples
        results[checkpoint] = statistics.median(timings) * 1000
    return results


def bench_raw(seconds: float) -> dict:
    """The same process on stock SpiffWorkflow in this process: no HTTP, no database."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
    from SpiffWorkflow.util.task import TaskState

    parser = CamundaParser()
    parser.add_bpmn_file(str(PROCESSES / "bench_three_tasks.bpmn"))
    spec = parser.get_spec("bench_three_tasks")
    workflows = []
    stop_at = time.perf_counter() + seconds
    began = time.perf_counter()
    while time.perf_counter() < stop_at:
        workflow = BpmnWorkflow(spec)
        workflow.do_engine_steps()
        workflows.append(workflow)
    starts = len(workflows) / (time.perf_counter() - began)
    completions = 0
    stop_at = time.perf_counter() + seconds
    began = time.perf_counter()
    for workflow in workflows:
        while time.perf_counter() < stop_at:
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            if not ready:
                break
            ready[0].run()
            workflow.do_engine_steps()
            completions += 1
        if time.perf_counter() >= stop_at:
            break
    return {"starts_per_s": starts,
            "completions_per_s": completions / (time.perf_counter() - began)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--db", default="sqlite,postgres")
    args = parser.parse_args()

    raw = bench_raw(args.seconds)
    print(f"raw SpiffWorkflow (in-process, no HTTP, no DB): "
          f"{raw['starts_per_s']:.0f} starts/s, {raw['completions_per_s']:.0f} completions/s")
    for kind in args.db.split(","):
        if kind == "postgres" and not postgres_reachable():
            print("postgres: not reachable at 127.0.0.1:5432, skipped")
            continue
        workdir = Path(tempfile.mkdtemp(prefix=f"bench-{kind}-"))
        server = Server(prepare_database(kind, workdir), workdir)
        try:
            http_figures = bench_http(server, args.clients, args.seconds)
            loop = bench_loop(server)
        finally:
            server.stop()
            shutil.rmtree(workdir, ignore_errors=True)
        f = http_figures
        print(f"\n{kind} (gunicorn -w 2, {args.clients} client threads, {args.seconds:.0f} s "
              f"per phase)")
        print(f"  starts:      {f['starts_per_s']:7.1f}/s  p50 {f['start_p50_ms']:6.1f} ms  "
              f"p99 {f['start_p99_ms']:6.1f} ms  service/raw "
              f"{f['starts_per_s'] / raw['starts_per_s']:.4f}")
        print(f"  completions: {f['completions_per_s']:7.1f}/s  p50 {f['complete_p50_ms']:6.1f} ms"
              f"  p99 {f['complete_p99_ms']:6.1f} ms  service/raw "
              f"{f['completions_per_s'] / raw['completions_per_s']:.4f}")
        for iterations, ms in loop.items():
            print(f"  one completion after {iterations:>4} loop iterations: {ms:6.1f} ms (median)")


if __name__ == "__main__":
    main()
