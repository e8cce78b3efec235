"""Processes for the load benchmark and its CI test: databases, app servers, nginx, locust, CPU samples.

Shared by ``load_benchmark.py`` and ``tests/cli/test_load_fault.py``. Nothing here imports Django or locust:
the database work runs in ``seed.py`` and the users in ``locustfile.py``, each in a process of its own, so
neither Django's settings nor gevent's monkey-patching leak into the caller (pytest included).

Every process is started in a session of its own and registered with a ``Processes``; leaving its ``with``
block kills every one still running (its whole process group), on success, failure or Ctrl+C alike.
Traffic goes to loopback only.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LOCUSTFILE = HERE / "locustfile.py"
SEED = HERE / "seed.py"
LEARNPATH = [sys.executable, "-m", "learnpath.cli.main"]
ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DB_PREFIX = "learnpath_load_"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def postgres_problem(admin_url: str = ADMIN_URL) -> str | None:
    """None when a PostgreSQL server answers at ``admin_url``, else why not."""
    import psycopg

    try:
        psycopg.connect(admin_url, connect_timeout=5).close()
    except Exception as error:
        return f"{type(error).__name__}: {error}".strip()
    return None


def postgres_version(admin_url: str = ADMIN_URL) -> str:
    import psycopg

    with psycopg.connect(admin_url, connect_timeout=5) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return f"PostgreSQL {row[0] if row else '?'}"


@dataclass
class Database:
    """A database of its own on a PostgreSQL server (``learnpath_load_*``), dropped by ``drop``."""

    admin_url: str
    name: str

    @property
    def url(self) -> str:
        return self.admin_url.rsplit("/", 1)[0] + f"/{self.name}"

    @classmethod
    def create(cls, admin_url: str = ADMIN_URL, label: str = "") -> Database:
        import psycopg

        name = f"{DB_PREFIX}{label + '_' if label else ''}{os.getpid()}_{secrets.token_hex(3)}"
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return cls(admin_url, name)

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=10) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def app_env(database_url: str, secret_key: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a learnpath process: this database, plain-HTTP cookies, nothing inherited that
    would point it elsewhere (another DATABASE_URL, the test settings, a metrics folder)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "PROMETHEUS_MULTIPROC_DIR"}
        and not name.startswith(("LEARNPATH_", "LOAD_"))
    }
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=secret_key,
        LEARNPATH_HTTPS="0",
        LEARNPATH_DATA_DIR=str(data_dir),
        PYTHONPATH=str(ROOT / "src"),
        **extra,
    )
    return env


def run_json(command: list[str], env: dict[str, str], timeout: float, log: Path) -> dict[str, Any]:
    """Run a helper that prints ``RESULT {json}`` last; its output goes to ``log``."""
    with open(log, "a", encoding="utf-8") as out:
        result = subprocess.run(
            command,
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=out,
            text=True,
            timeout=timeout,
            check=False,
        )
        out.write(result.stdout)
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(command[1:3])} failed (exit {result.returncode}); see {log}")
    data: dict[str, Any] = json.loads(lines[-1].removeprefix("RESULT "))
    return data


def seed(
    env: dict[str, str], *, learners: int, history: int, password: str, log: Path, timeout: float = 1800
) -> dict[str, Any]:
    """Migrate and seed the database of ``env`` (``seed.py seed``)."""
    command = [sys.executable, str(SEED), "seed", "--learners", str(learners), "--history", str(history)]
    return run_json([*command, "--password", password], env, timeout, log)


def verify(env: dict[str, str], acks: Path, log: Path, timeout: float = 600) -> dict[str, Any]:
    """Lost / duplicated / equal to rebuild, from the database of ``env`` (``seed.py verify``)."""
    return run_json([sys.executable, str(SEED), "verify", "--acks", str(acks)], env, timeout, log)


class Processes:
    """Every process this run started; on exit each one still alive is killed with its process group."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[bytes]] = []

    def start(self, command: list[str], *, env: dict[str, str] | None, log: Path) -> subprocess.Popen[bytes]:
        with open(log, "ab") as out:
            process = subprocess.Popen(
                command,
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: killed as a whole
            )
        self.started.append(process)
        return process

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *exc: object) -> None:
        for process in reversed(self.started):
            # the whole group, even when its leader has ended: a worker must not outlive its master
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
"""No proxy from the environment: these requests go to loopback only."""


def http_status(url: str, timeout: float = 5) -> int:
    """The status of ``GET url`` (a loopback address)."""
    try:
        with _DIRECT.open(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def children(pid: int) -> list[int]:
    import psutil

    try:
        return [child.pid for child in psutil.Process(pid).children()]
    except psutil.NoSuchProcess:
        return []


@dataclass
class AppServer:
    """One ``learnpath serve``: the gunicorn master (this process) and its worker processes."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @classmethod
    def start(
        cls,
        processes: Processes,
        env: dict[str, str],
        log: Path,
        *,
        workers: int | None = None,
        migrate: bool = True,
    ) -> AppServer:
        port = free_port()
        command = [*LEARNPATH, "serve", "--port", str(port)]
        if workers is not None:
            command += ["--workers", str(workers)]
        if not migrate:
            command.append("--no-migrate")
        return cls(processes.start(command, env=env, log=log), port, log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, seconds: float = 180) -> float:
        """Wait for ``GET /health/ready`` to answer 200; the seconds it took."""
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            if self.process.poll() is not None:
                raise RuntimeError(f"learnpath serve exited with {self.process.returncode}; see {self.log}")
            with contextlib.suppress(OSError):
                if http_status(f"{self.url}/health/ready") == 200:
                    return time.monotonic() - started
            time.sleep(0.3)
        raise RuntimeError(f"learnpath serve was not ready after {seconds:.0f} s; see {self.log}")

    def workers(self) -> list[int]:
        return children(self.process.pid)

    def kill_worker(self) -> int:
        """SIGKILL one worker process (gunicorn's master starts another); its pid."""
        victim = self.workers()[0]
        os.kill(victim, signal.SIGKILL)
        return victim

    def kill_all(self) -> None:
        """SIGKILL the master and its workers at once, as a machine or container dying would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM (requests in flight finish), then SIGKILL after 30 s."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill_all()

    def problems(self) -> dict[str, Any]:
        """What its log says went wrong: 5xx request lines, errors logged with the exception that ended
        each traceback (its last line, not the chained ones before it), worker timeouts."""
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        statuses: dict[str, int] = {}
        routes: dict[str, int] = {}
        errors: dict[str, int] = {}
        exceptions: dict[str, int] = {}
        for line in text.splitlines():
            if not line.startswith("{"):
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("logger") == "learnpath.request" and int(entry.get("status", 0)) >= 500:
                statuses[str(entry["status"])] = statuses.get(str(entry["status"]), 0) + 1
                route = f"{entry.get('method')} {entry.get('route')}"
                routes[route] = routes.get(route, 0) + 1
            if entry.get("level") == "ERROR":
                message = str(entry.get("message", ""))[:120]
                errors[message] = errors.get(message, 0) + 1
                trace = str(entry.get("traceback") or "").strip()
                if trace:
                    # the exception's own line: the last one not indented (its message may go on below)
                    last = [t for t in trace.splitlines() if t and not t[0].isspace()][-1]
                    final = re.sub(r"port \d+", "port N", last)[:200]
                    exceptions[final] = exceptions.get(final, 0) + 1
        return {
            "responses_5xx_logged": statuses,
            "routes_5xx_logged": routes,
            "errors_logged": sum(errors.values()),
            "errors": dict(sorted(errors.items(), key=lambda kv: -kv[1])[:8]),
            "exceptions": dict(sorted(exceptions.items(), key=lambda kv: -kv[1])[:8]),
            "worker_timeouts": text.count("WORKER TIMEOUT"),
            "tracebacks": text.count("Traceback (most recent call last)"),
        }


NGINX = "/usr/sbin/nginx"

NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream learnpath {{
{servers}
        keepalive 64;
        keepalive_timeout 4s;  # below gunicorn's 5 s, so nginx never reuses a connection gunicorn closed
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://learnpath;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            # when nginx took the request: a request that then waited too long for a worker is refused
            # with a 503 at once (LEARNPATH_QUEUE_LIMIT_MS, learnpath/web/queue_limit.py)
            proxy_set_header X-Request-Start "t=${{msec}}";
            # nginx's default: a POST is not sent to the other server once it may have reached one; the
            # client retries it with the same idempotency key instead
            proxy_next_upstream error timeout http_502 http_503;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""


def nginx_problem() -> str | None:
    """None when Debian's nginx is installed, else what to do."""
    if Path(NGINX).is_file() and os.access(NGINX, os.X_OK):
        return None
    return f"nginx is not installed at {NGINX} (Debian: apt-get install nginx)"


@dataclass
class Proxy:
    """nginx in the foreground on a loopback port, in front of the given app servers."""

    process: subprocess.Popen[bytes]
    port: int
    folder: Path

    @classmethod
    def start(cls, processes: Processes, upstreams: list[int], folder: Path) -> Proxy:
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o755)  # nginx's worker (nobody) makes its temp folders here
        port = free_port()
        servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in upstreams)
        conf = folder / "nginx.conf"
        conf.write_text(NGINX_CONF.format(folder=folder, servers=servers, port=port), encoding="utf-8")
        command = [NGINX, "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(conf)]
        proxy = cls(processes.start(command, env=None, log=folder / "nginx.out"), port, folder)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if proxy.process.poll() is not None:
                raise RuntimeError(f"nginx exited with {proxy.process.returncode}; see {folder}/error.log")
            with contextlib.suppress(OSError):
                if http_status(f"{proxy.url}/health/live") == 200:
                    return proxy
            time.sleep(0.2)
        raise RuntimeError("nginx did not answer within 20 s")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


class PrivatePostgres:
    """A throwaway PostgreSQL server of this run (initdb in a temporary folder, a free loopback port), so the
    fault run can restart PostgreSQL without cutting off anyone else using the machine's server."""

    def __init__(self) -> None:
        # its own folder under the temporary root: the postgres account must reach it, and a caller's
        # private (0700) work folder would not let it
        self.folder = Path(tempfile.mkdtemp(prefix="learnpath-load-pg-"))
        self.data = self.folder / "pgdata"
        self.port = free_port()
        self.bin = self._bindir()
        self.started = False

    @staticmethod
    def _bindir() -> Path:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
        if found:
            return Path(found[-1]).parent
        pg_ctl = shutil.which("pg_ctl")
        if pg_ctl is None:
            raise RuntimeError("no PostgreSQL server binaries (pg_ctl, initdb) on this machine")
        return Path(pg_ctl).parent

    def _as_owner(self, *command: str) -> list[str]:
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root: run it as the postgres account
            return ["runuser", "-u", "postgres", "--", *command]
        return list(command)

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        initdb = self._as_owner(
            str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"
        )
        subprocess.run([*initdb, "--no-sync"], check=True, capture_output=True, timeout=120, cwd="/")
        self.started = True
        self._ctl("start")

    def _ctl(self, action: str) -> float:
        """``pg_ctl ACTION`` and wait for it; the seconds it took. The server's output goes to its log file,
        never to a pipe of ours (the server would hold it open after pg_ctl returns)."""
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder}"
        command = self._as_owner(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-w",
            "-t",
            "60",
            "-l",
            str(self.folder / "server.log"),
        )
        if action in ("start", "restart"):
            command += ["-o", options]
        if action in ("restart", "stop"):
            command += ["-m", "fast"]  # what pg_ctlcluster restart does: disconnect clients, then stop
        started = time.monotonic()
        subprocess.run(
            [*command, action],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=90,
            cwd="/",
        )
        return time.monotonic() - started

    def __enter__(self) -> PrivatePostgres:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def restart(self) -> float:
        """``pg_ctl restart -m fast``; the seconds it took."""
        return self._ctl("restart")

    def stop(self) -> None:
        """Stop the server (if it runs) and remove its folder."""
        if self.started:
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                self._ctl("stop")
            self.started = False
        shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def admin_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def version(self) -> str:
        return postgres_version(self.admin_url)


def restart_shared_postgres() -> float:
    """Restart the machine's own PostgreSQL cluster (Debian's pg_ctlcluster); the seconds it took."""
    versions = sorted(os.listdir("/etc/postgresql"))
    started = time.monotonic()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "restart"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return time.monotonic() - started


# -- locust --------------------------------------------------------------------------------------------


@dataclass
class LocustRun:
    """One locust run's outputs: samples, acknowledgements and the users' summary."""

    user_class: str
    users: int
    out: Path
    started: float
    ended: float
    exit_code: int
    samples: list[tuple[float, str, float, int, bool]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def window(self) -> tuple[float, float]:
        """From when the last user was signed in to when the run stopped itself (the steady state)."""
        start = self.summary.get("window_start") or self.started
        return float(start), float(self.summary.get("window_end") or self.ended)


def locust_run(
    processes: Processes,
    *,
    host: str,
    user_class: str,
    users: int,
    spawn_rate: float,
    steady_s: float,
    out: Path,
    env_extra: dict[str, str],
    ramp_limit_s: float,
    while_running: Any = None,
) -> LocustRun:
    """Run locust headless in its own process until it stops itself: ``steady_s`` after the last user is
    signed in, or after ``ramp_limit_s`` if not all are by then. ``while_running(window_start)`` is called
    once the window begins (the fault injection), in this process, while locust runs."""
    out.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOAD_")}
    env.update(
        LOAD_OUT=str(out),
        LOAD_USERS=str(users),
        LOAD_STEADY_S=str(steady_s),
        LOAD_RAMP_LIMIT_S=str(ramp_limit_s),
        PYTHONPATH=str(ROOT / "src"),
        **env_extra,
    )
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(spawn_rate),
        "-t",
        "0s",  # set below
        "--host",
        host,
        "--csv",
        str(out / "locust"),
        "--only-summary",
        "--loglevel",
        "WARNING",
        user_class,
    ]
    limit_s = ramp_limit_s + steady_s + 60
    command[command.index("-t") + 1] = f"{int(limit_s)}s"
    started = time.time()
    process = processes.start(command, env=env, log=out / "locust.log")
    called = False
    deadline = time.monotonic() + limit_s + 60
    while process.poll() is None:
        if time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            break
        if while_running is not None and not called:
            marks = list(out.glob("ready-*"))
            if marks:
                called = True
                while_running(float(marks[0].read_text() or time.time()))
                continue
        time.sleep(0.2)
    ended = time.time()
    run = LocustRun(user_class, users, out, started, ended, process.returncode if process.returncode else 0)
    for path in sorted(out.glob("samples-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line:
                t, name, ms, status, ok = json.loads(line)
                run.samples.append((t, name, ms, status, ok))
    summaries = sorted(out.glob("summary-*.json"))
    if not summaries:
        raise RuntimeError(f"locust wrote no summary (exit {process.returncode}); see {out / 'locust.log'}")
    run.summary = json.loads(summaries[0].read_text(encoding="utf-8"))
    return run


def percentiles(values: list[float]) -> dict[str, float]:
    """Nearest-rank p50/p95/p99 and the maximum, in milliseconds (as benchmarks/practice_latency.py)."""
    if not values:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
    ordered = sorted(values)

    def at(q: float) -> float:
        rank = max(1, int(-(-q * len(ordered) // 1)))
        return round(ordered[rank - 1], 1)

    return {"p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99), "max_ms": round(ordered[-1], 1)}


def request_stats(run: LocustRun, *, steady: bool = True) -> dict[str, dict[str, Any]]:
    """Per request name: count, throughput, p50/p95/p99/max, failures; in the steady window (or the whole
    run). ``all`` sums every name."""
    start, end = run.window if steady else (run.started, run.ended)
    seconds = max(end - start, 1e-9)
    chosen = [s for s in run.samples if start <= s[0] <= end] if steady else run.samples
    names = sorted({s[1] for s in chosen})
    stats: dict[str, dict[str, Any]] = {}
    for name in [*names, "all"]:
        rows = [s for s in chosen if name in ("all", s[1])]
        failed = [s for s in rows if not s[4]]
        stats[name] = {
            "count": len(rows),
            "per_s": round(len(rows) / seconds, 2),
            **percentiles([s[2] for s in rows]),
            "failures": len(failed),
            "failure_statuses": _count(str(s[3]) for s in failed),
        }
    return stats


def _count(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


# -- CPU ------------------------------------------------------------------------------------------------


class CpuSampler:
    """Samples, once a second, the CPU seconds used by each group of processes: the app servers (gunicorn
    masters and workers), PostgreSQL (the backends of this run's databases and the server's own processes),
    locust, nginx; and the machine's busy time (the rest is ``other``: whatever else shares the machine)."""

    def __init__(self, *, databases: list[str]) -> None:
        self.databases = databases
        self.app_roots: list[int] = []
        self.series: list[tuple[float, dict[str, float]]] = []
        self._first: dict[int, float] = {}
        self._last: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="cpu-sampler", daemon=True)

    def __enter__(self) -> CpuSampler:
        import psutil

        psutil.cpu_percent(interval=None)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _group(self, process: Any, roots: dict[int, str]) -> str | None:
        import psutil

        if process.pid in roots:
            return roots[process.pid]
        try:
            name = process.name()
            if name.startswith("postgres"):
                title = " ".join(process.cmdline())
                if "(" in title and not any(f" {db} " in title for db in self.databases):
                    return None  # a client backend of another database (someone else's work)
                return "postgres"
            if name == "nginx":
                return "nginx"
            if any(part.endswith("locustfile.py") for part in process.cmdline()):
                return "locust"
            parent = process.ppid()
        except psutil.Error:  # it ended meanwhile
            return None
        return roots.get(parent)

    def _loop(self) -> None:
        import psutil

        start_busy = self._busy(psutil.cpu_times())
        while not self._stop.is_set():
            now = time.time()
            roots = dict.fromkeys(self.app_roots, "app")
            for process in psutil.process_iter(["pid"]):
                group = self._group(process, roots)
                if group is None:
                    continue
                try:
                    times = process.cpu_times()
                    created = process.create_time()
                except psutil.Error:  # it ended meanwhile
                    continue
                used = times.user + times.system
                if process.pid not in self._first:
                    # a process born after sampling began counts from zero; one running before, from now
                    self._first[process.pid] = 0.0 if self.series and created > self.series[0][0] else used
                self._last[process.pid] = (group, used)
            totals: dict[str, float] = {"app": 0.0, "postgres": 0.0, "locust": 0.0, "nginx": 0.0}
            for pid, (group, used) in self._last.items():
                totals[group] += used - self._first[pid]
            totals["machine"] = self._busy(psutil.cpu_times()) - start_busy
            self.series.append((now, totals))
            self._stop.wait(1.0)

    @staticmethod
    def _busy(times: Any) -> float:
        return float(
            times.user + times.nice + times.system + getattr(times, "irq", 0) + getattr(times, "softirq", 0)
        )

    def cores(self, start: float, end: float) -> dict[str, float]:
        """Mean cores each group used between ``start`` and ``end`` (``other``: the machine minus them)."""
        inside = [(t, v) for t, v in self.series if start <= t <= end]
        if len(inside) < 2:
            return {}
        (t0, first), (t1, last) = inside[0], inside[-1]
        span = t1 - t0
        used = {group: round((last[group] - first[group]) / span, 2) for group in first}
        known = sum(used[g] for g in ("app", "postgres", "locust", "nginx"))
        used["other"] = round(max(0.0, used["machine"] - known), 2)
        used["cpus"] = float(os.cpu_count() or 1)
        return used


# -- the fault run ----------------------------------------------------------------------------------------


@dataclass
class Fault:
    """What to break, ``after_s`` seconds after every user is signed in: ``kill-worker`` (SIGKILL one
    gunicorn worker of the first server), ``restart-postgres`` (the callable given to ``fault_run``), or
    ``kill-server`` (SIGKILL the last server's master and workers at once)."""

    after_s: float
    action: str


def fault_run(
    *,
    work: Path,
    admin_url: str,
    servers: int,
    users: int,
    steady_s: float,
    faults: list[Fault],
    think_scale: float,
    spawn_rate: float = 10,
    learners: int | None = None,
    history: int = 0,
    restart_postgres: Any = None,
    use_proxy: bool = True,
    log: Any = print,
) -> dict[str, Any]:
    """Seed a fresh database, serve it (``servers`` app servers; behind nginx when there are two or more),
    run ``users`` learners while ``faults`` happen, stop everything, then check the log (``seed.py verify``):
    every acknowledged answer there exactly once, no key twice, derived state equal to a rebuild.

    The database is dropped and every process is gone when this returns or raises."""
    work.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    secret_key = secrets.token_urlsafe(50)
    database = Database.create(admin_url, "faults")
    events: list[dict[str, Any]] = []
    try:
        env = app_env(database.url, secret_key, work / "data")
        seeded = seed(
            env, learners=learners or users + 10, history=history, password=password, log=work / "seed.log"
        )
        log(f"  seeded {seeded['learners']} learners in {seeded['people_seconds']} s")
        with Processes() as processes:
            apps = [
                AppServer.start(processes, env, work / f"server-{n}.log", migrate=False)
                for n in range(servers)
            ]
            ready_s = [round(app.wait_ready(), 1) for app in apps]
            proxy = (
                Proxy.start(processes, [a.port for a in apps], work / "nginx")
                if use_proxy and servers > 1
                else None
            )
            host = proxy.url if proxy else apps[0].url
            log(f"  {servers} server(s) ready in {ready_s} s{'; nginx in front' if proxy else ''}")

            def inject(ready_at: float) -> None:
                for fault in sorted(faults, key=lambda f: f.after_s):
                    time.sleep(max(0.0, ready_at + fault.after_s - time.time()))
                    moment = time.time()
                    entry: dict[str, Any] = {"action": fault.action, "at": moment}
                    if fault.action == "kill-worker":
                        before = apps[0].workers()
                        entry["pid"] = apps[0].kill_worker()
                        deadline = time.monotonic() + 60
                        while time.monotonic() < deadline:
                            now = apps[0].workers()
                            if len(now) >= len(before) and entry["pid"] not in now:
                                entry["replaced_after_s"] = round(time.time() - moment, 2)
                                break
                            time.sleep(0.1)
                    elif fault.action == "restart-postgres":
                        entry["restart_s"] = round(restart_postgres(), 2)
                    elif fault.action == "kill-server":
                        apps[-1].kill_all()
                    else:
                        raise ValueError(f"unknown fault {fault.action!r}")
                    log(f"  fault: {fault.action} at +{moment - ready_at:.1f} s {entry}")
                    events.append(entry)

            run = locust_run(
                processes,
                host=host,
                user_class="LearnerUser",
                users=users,
                spawn_rate=spawn_rate,
                steady_s=steady_s,
                out=work / "locust",
                env_extra={
                    "LOAD_PASSWORD": password,
                    "LOAD_LEARNERS": str(seeded["learners"]),
                    "LOAD_THINK_SCALE": str(think_scale),
                },
                ramp_limit_s=users / spawn_rate * 3 + 30,
                while_running=inject,
            )
            alive = [app.process.poll() is None for app in apps]
            health = [
                http_status(f"{app.url}/health") if up else 0 for app, up in zip(apps, alive, strict=True)
            ]
            for app in apps:
                app.stop()
            if proxy:
                proxy.stop()
        problems = [app.problems() for app in apps]
        checked = verify(env, work / "locust", work / "verify.log")
    finally:
        database.drop()
    whole = request_stats(run, steady=False)
    around = []
    for n, entry in enumerate(events):
        # from just before the fault to 15 s after it (or to the next fault, if sooner)
        until = min(entry["at"] + 15, events[n + 1]["at"] if n + 1 < len(events) else float("inf"))
        near = [s for s in run.samples if entry["at"] - 1 <= s[0] < until]
        around.append(
            {"action": entry["action"], "failed": sum(not s[4] for s in near), "requests": len(near)}
        )
    return {
        "servers": servers,
        "proxy": "nginx" if servers > 1 and use_proxy else None,
        "users": users,
        "signed_in": run.summary.get("users_ready", 0),
        "signed_in_at_window_start": run.summary.get("users_ready_at_window_start", 0),
        "steady_s": steady_s,
        "think_scale": think_scale,
        "seed": seeded,
        "faults": events,
        "requests": whole["all"]["count"],
        "failed_requests": whole["all"]["failures"],
        "failure_statuses": whole["all"]["failure_statuses"],
        "failed_near_each_fault": around,
        "retries": run.summary.get("retries", 0),
        "abandoned_writes": run.summary.get("abandoned_writes", 0),
        "refusals": run.summary.get("refusals", {}),
        "refusal_counts": run.summary.get("refusal_counts", {}),
        "servers_alive_after": alive,
        "health_after": health,
        "server_problems": problems,
        "per_request": whole,
        **checked,
    }
