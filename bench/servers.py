"""Start and stop the app under gunicorn, as the README's deployment section runs it."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.paths import BARE_PATH, BASELINE_PATH

ROOT = Path(__file__).resolve().parents[1]

# 2 cores: one worker process per core, each with 4 threads so a request waiting on PostgreSQL
# does not hold a core. --no-control-socket: gunicorn 27 would otherwise bind the same
# ~/.gunicorn/gunicorn.ctl for both instances (docs: TOOLING.md pitfalls).
WORKERS = 2
THREADS = 4
APP = "dahguide.wsgi:application"
# Bare Django (bench/bare.py): the same command, its own settings, no middleware.
BARE = "bench.bare_wsgi:application"


def gunicorn_command(port: int, *, app: str = APP, workers: int = WORKERS, threads: int = THREADS) -> list[str]:
    return [
        str(Path(sys.executable).with_name("gunicorn")),
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--keep-alive",
        "5",
        "--timeout",
        "30",
        "--no-control-socket",
        "--chdir",
        str(ROOT),
    ]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: the arbiter stops its own workers
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start(name: str, port: int, env: dict[str, str], log_dir: Path, *, app: str = APP) -> Server:
    log = log_dir / f"gunicorn-{name}.log"
    handle = log.open("wb")
    process = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn, fixed arguments
        gunicorn_command(port, app=app), cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT
    )
    handle.close()
    server = Server(name, port, process, log)
    _wait_ready(server, BARE_PATH if app == BARE else BASELINE_PATH)
    return server


def _wait_ready(server: Server, ready_path: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn {server.name} exited ({server.process.returncode}); see {server.log}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=2)
            connection.request("GET", ready_path, headers={"Host": "localhost", "X-Forwarded-Proto": "https"})
            if connection.getresponse().status == 200:
                connection.close()
                return
            connection.close()
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"gunicorn {server.name} did not answer within {timeout:.0f} s; see {server.log}")


def port_is_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def environment(base: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(base)
    return env
