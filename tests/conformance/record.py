"""Re-record the corpus (``make conformance-refresh [CASES="a b"]``; needs Node and npm).

Serves every case's subgraphs over HTTP on one free port (``/<case>/<subgraph>``, plus
``/__control/<case>/reset`` and ``/__control/<case>/log`` for the recorder), then runs
``node/record.mjs``, which composes each case with ``@apollo/composition``, answers its queries
with ``@apollo/gateway`` and Hive Gateway's runtime, and reads per query how many requests the
subgraphs received. Writes ``recorded/<case>/supergraph.graphql`` and ``answers.json``.

    uv run python -m tests.conformance.record [CASE ...]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.conformance.corpus import RECORDED, fingerprint, load_cases, recording_dir
from tests.conformance.harness import OUTAGE_TEXT, URL_BASE, CaseService
from tests.harness import npm_ci

NODE_DIR = RECORDED.parent / "node"


class Activity:
    """Requests in flight and when the last one ended: a gateway may still be fetching after
    it answered (e.g. after null propagation), so counts are read once the subgraphs are idle."""

    def __init__(self) -> None:
        self.condition = threading.Condition()
        self.in_flight = 0
        self.last = time.monotonic()

    def __enter__(self) -> None:
        with self.condition:
            self.in_flight += 1

    def __exit__(self, *_: object) -> None:
        with self.condition:
            self.in_flight -= 1
            self.last = time.monotonic()
            self.condition.notify_all()

    def wait_idle(self, quiet: float = 0.05, limit: float = 5.0) -> None:
        deadline = time.monotonic() + limit
        with self.condition:
            while time.monotonic() < deadline:
                idle_for = time.monotonic() - self.last
                if self.in_flight == 0 and idle_for >= quiet:
                    return
                self.condition.wait(max(quiet - idle_for, 0.01))


def _handler(services: dict[str, CaseService]) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()
    activity = Activity()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, payload: Any) -> None:
            text = payload is None
            body = OUTAGE_TEXT.encode() if text else json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("content-type", "text/plain" if text else "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the gateway gave up on this request (it is counted all the same)

        def do_GET(self) -> None:
            parts = self.path.strip("/").split("/")
            if len(parts) == 3 and parts[0] == "__control" and parts[2] == "log":
                activity.wait_idle()
                service = services[parts[1]]
                invalid = [f"{r.subgraph}: {r.errors} in {r.query}" for r in service.invalid()]
                self._send(200, {"fetches": len(service.received), "invalid": invalid})
                return
            self._send(404, {"error": "not found"})

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            parts = self.path.strip("/").split("/")
            if len(parts) == 3 and parts[0] == "__control" and parts[2] == "reset":
                services[parts[1]].reset()
                self._send(200, {})
                return
            if len(parts) == 2 and parts[0] in services:
                with activity, lock:  # one world per case: requests are answered one at a time
                    status, payload = services[parts[0]].handle(parts[1], body)
                self._send(status, payload)
                return
            self._send(404, {"error": "not found"})

    return Handler


def main(names: list[str]) -> None:
    all_cases = load_cases()
    unknown = set(names) - set(all_cases)
    if unknown:
        sys.exit(f"unknown cases: {sorted(unknown)}")
    chosen = {n: all_cases[n] for n in names or all_cases}
    services = {name: CaseService(name, case) for name, case in chosen.items()}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(services))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    job = {
        "base": base,
        "urlBase": URL_BASE,
        "cases": [
            {
                "name": name,
                "subgraphs": [
                    {"name": s.name, "url": service.urls()[s.name], "sdl": s.sdl}
                    for s in case.subgraphs
                ],
                "queries": [
                    {
                        "name": q.name,
                        "query": q.text,
                        "variables": q.variables,
                        "operationName": q.operation_name,
                    }
                    for q in case.queries
                ],
            }
            for (name, case), service in zip(chosen.items(), services.values(), strict=True)
        ],
    }
    npm_ci(NODE_DIR)
    with tempfile.NamedTemporaryFile("w", suffix=".json") as job_file:
        json.dump(job, job_file)
        job_file.flush()
        try:
            completed = subprocess.run(  # noqa: S603 (a fixed command, our own job file)
                ["node", "record.mjs", job_file.name],  # noqa: S607
                capture_output=True,
                text=True,
                cwd=NODE_DIR,
                check=False,
            )
        finally:
            server.shutdown()
    if completed.returncode != 0:
        sys.exit(f"record.mjs failed:\n{completed.stderr}")
    results = json.loads(completed.stdout)
    failed = False
    for name, case in chosen.items():
        result = results[name]
        if "errors" in result:
            print(f"{name}: composition failed:\n  " + "\n  ".join(result["errors"]))
            failed = True
            continue
        directory = recording_dir(name)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "supergraph.graphql").write_text(result["supergraphSdl"])
        answers = {"fingerprint": fingerprint(case), "queries": result["queries"]}
        (directory / "answers.json").write_text(json.dumps(answers, indent=2) + "\n")
        print(f"{name}: {len(case.queries)} queries recorded")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main(sys.argv[1:])
