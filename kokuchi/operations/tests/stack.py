"""Real Kokuchi processes on this machine for the multi-process tests: a fresh PostgreSQL database,
the web servers (`kokuchi serve`), task workers (`kokuchi db_worker`) and schedulers, as the
deployment runs them (deploy/systemd), stopped again at the end."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[3]
KOKUCHI = str(Path(sys.executable).parent / "kokuchi")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def postgres_database(tmp_path: Path):
    """The URL of a new, empty database: on the server of DATABASE_URL when it is PostgreSQL, else on a
    throw-away server started with .ci/postgres.sh. Yields None when neither is possible."""
    url = os.environ.get("DATABASE_URL", "")
    pgdata = None
    if not url.startswith("postgres"):
        if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
            yield None
            return
        # Short and readable by the postgres user: the server's Unix socket lives in it.
        pgdata = Path(tempfile.mkdtemp(prefix="kokuchi-pg-")) / "data"
        pgdata.parent.chmod(0o755)
        # A port of our own: other test runs on this machine start servers from 54329 up at the same time.
        env = os.environ | {"PGDATA": str(pgdata), "PGPORT": str(free_port())}
        started = subprocess.run(
            ["bash", str(REPO / ".ci/postgres.sh"), "start"], env=env, cwd=pgdata.parent, capture_output=True, text=True
        )
        if started.returncode != 0:
            raise AssertionError(f"PostgreSQL did not start: {started.stdout}{started.stderr}")
        url = subprocess.run(
            ["bash", str(REPO / ".ci/postgres.sh"), "url"],
            env=env,
            cwd=pgdata.parent,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    name = f"kokuchi_stack_{uuid.uuid4().hex[:10]}"
    base = url.rsplit("/", 1)[0]
    try:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        yield f"{base}/{name}"
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        if pgdata is not None:
            subprocess.run(
                ["bash", str(REPO / ".ci/postgres.sh"), "stop"],
                env=env,
                cwd=pgdata.parent,
                check=False,
                capture_output=True,
            )
            shutil.rmtree(pgdata.parent, ignore_errors=True)


class Stack:
    """Kokuchi processes sharing one environment (database, data directory, settings)."""

    def __init__(self, *, database_url: str, workdir: Path, **settings: str):
        self.workdir = workdir
        self.data_dir = workdir / "data"
        self.mail_dir = workdir / "mail"
        self.logs = workdir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        clean = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("KOKUCHI_") and k not in {"SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
        }
        self.env = (
            clean
            | {
                "DATABASE_URL": database_url,
                "KOKUCHI_DATA_DIR": str(self.data_dir),
                "KOKUCHI_SECRET_KEY": secrets.token_urlsafe(48),
                "KOKUCHI_SECURE_COOKIES": "0",
                "KOKUCHI_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                "KOKUCHI_EMAIL_FILE_PATH": str(self.mail_dir),
                "KOKUCHI_PDF_WORKERS": "0",
                "KOKUCHI_LOG_LEVEL": "WARNING",
            }
            | settings
        )
        self.database_url = database_url
        self.processes: dict[str, subprocess.Popen] = {}

    def run(self, *args: str, timeout: float = 180) -> str:
        result = subprocess.run(
            [KOKUCHI, *args], env=self.env, cwd=self.workdir, capture_output=True, text=True, timeout=timeout
        )
        if result.returncode != 0:
            raise AssertionError(f"kokuchi {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def run_in_parallel(self, *commands: tuple[str, ...], timeout: float = 180) -> list[str]:
        """Run several kokuchi commands at once; their outputs, in order."""
        processes = [
            subprocess.Popen(
                [KOKUCHI, *args],
                env=self.env,
                cwd=self.workdir,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for args in commands
        ]
        outputs = []
        for args, process in zip(commands, processes, strict=True):
            out, err = process.communicate(timeout=timeout)
            if process.returncode != 0:
                raise AssertionError(f"kokuchi {' '.join(args)} failed:\n{out}\n{err}")
            outputs.append(out)
        return outputs

    def shell(self, code: str) -> str:
        return self.run("shell", "--no-imports", "-c", code)

    @staticmethod
    def seed_command(**kwargs) -> tuple[str, ...]:
        return ("shell", "--no-imports", "-c", f"from kokuchi.operations.tests.seed import main; main(**{kwargs!r})")

    @staticmethod
    def seeded(out: str) -> dict:
        line = next(line for line in out.splitlines() if line.startswith("SEED "))
        return json.loads(line.removeprefix("SEED "))

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("w")
        process = subprocess.Popen(
            [KOKUCHI, *args],
            env=self.env,
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def start_web(self, name: str, *, workers: int) -> str:
        port = free_port()
        self.start(name, "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers))
        return f"http://127.0.0.1:{port}"

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def query(self, sql: str, *params) -> list[tuple]:
        with psycopg.connect(self.database_url) as conn:
            return conn.execute(sql, params).fetchall()


def http_get(url: str, *, timeout: float = 10) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_until(condition, *, timeout: float, interval: float = 0.5, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def answers(url: str) -> bool:
    try:
        return http_get(url, timeout=2)[0] == 200
    except OSError:
        return False
