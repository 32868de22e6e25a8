"""``make run``'s launcher: it serves, and Ctrl-C (SIGINT to the terminal's process group) stops
the web server, its worker processes and the RQ worker, leaving nothing behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from config.settings import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (children may sit in process groups of their own)."""
    found: set[int] = set()
    todo = [pid]
    while todo:
        out = subprocess.run(["pgrep", "-P", str(todo.pop())], capture_output=True, text=True).stdout
        for child in map(int, out.split()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    still = set()
    for pid in pids:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        still.add(pid)
    return still


def like_a_terminal() -> None:
    """Run the launcher as a terminal's foreground job: a process group of its own, SIGINT at its
    default even when this suite was started with it ignored (as a background job of a script is)."""
    os.setsid()
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("server", ["granian", "gthread"])
def test_ctrl_c_stops_everything(server: str, database_url: str, redis_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PORT": str(port), "BIN": str(Path(sys.executable).parent), "WEB_SERVER": server,
           "WEB_WORKERS": "2", "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    log = (tmp_path / "run.log").open("wb")
    proc = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, preexec_fn=like_a_terminal)
    try:
        assert wait_healthy(f"http://127.0.0.1:{port}/healthz", proc, 120), (tmp_path / "run.log").read_text()
        started = descendants(proc.pid)
        assert len(started) >= 3  # the web server, its workers, the RQ worker
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends to its foreground group on Ctrl-C
        proc.wait(timeout=90)
        deadline = time.monotonic() + 10
        while alive(started) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not alive(started), "a process of the gateway outlived Ctrl-C"
        assert "Bodega stopped." in (tmp_path / "run.log").read_text()
    finally:
        for pid in alive(descendants(proc.pid) | {proc.pid}):
            os.kill(pid, signal.SIGKILL)


def rq_workers(root_pid: int) -> set[int]:
    """The ``python -m gateway.jobs.worker`` processes under the launcher (not RQ's scheduler child)."""
    found = set()
    for pid in descendants(root_pid):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"gateway.jobs.worker" in argv:
            found.add(pid)
    return {pid for pid in found if not any(pid in descendants(other) for other in found)}


def test_a_killed_worker_is_restarted_and_the_web_server_keeps_serving(
        database_url: str, redis_url: str, tmp_path: Path) -> None:
    """kill -9 of the RQ worker once stopped the whole node ("Bodega stopped.") within 20 s."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "BIN": str(Path(sys.executable).parent), "WEB_SERVER": "gthread",
           "WEB_WORKERS": "1", "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    log_path = tmp_path / "run.log"
    proc = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=log_path.open("wb"),
                            stderr=subprocess.STDOUT, preexec_fn=like_a_terminal)
    health = f"http://127.0.0.1:{port}/healthz"
    try:
        assert wait_healthy(health, proc, 120), log_path.read_text()
        deadline = time.monotonic() + 30
        while not rq_workers(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        (first,) = rq_workers(proc.pid)
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while not (rq_workers(proc.pid) - {first}) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert rq_workers(proc.pid) - {first}, "the killed worker was not started again"
        time.sleep(3)  # the old launcher had stopped everything by now
        assert proc.poll() is None and wait_healthy(health, proc, 10), log_path.read_text()
        assert f"RQ worker {first} exited" in log_path.read_text()
        started = descendants(proc.pid)
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C still stops everything, the new worker too
        proc.wait(timeout=90)
        deadline = time.monotonic() + 10
        while alive(started) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not alive(started), "a process of the gateway outlived Ctrl-C"
        assert "Bodega stopped." in log_path.read_text()
    finally:
        for pid in alive(descendants(proc.pid) | {proc.pid}):
            os.kill(pid, signal.SIGKILL)
