"""Semis scaled out on one machine: PostgreSQL, Redis, N eventlet workers and nginx.

Everything comes from Debian packages (``postgresql``, ``redis-server``, ``nginx``) and
runs as throwaway processes on loopback ports, with every file in one scratch directory
that is removed on stop. ``make stack`` calls the command line::

    python -m scripts.stack [--workers 2] [--port 8080] [--no-nginx] [--keep]
    python -m scripts.stack nginx-config --upstream 127.0.0.1:5001 --upstream 127.0.0.1:5002 \\
        [--listen 80] [--server-name semis.example.org] [--static-root /srv/semis/static]

The first starts the stack, migrates the database, prints the URL and runs until Ctrl-C;
the second prints ``deploy/semis.nginx.conf`` filled in (the same template the stack uses).

Tests and the benchmark use it as a library::

    from scripts.stack import start_stack
    with start_stack(workers=2) as stack:          # raises StackError if it cannot start
        stack.url                                  # nginx (or the first worker without it)
        stack.workers[1].url                       # one worker, bypassing nginx
        stack.flask("workshops", "list")           # a flask command on the stack's database
        stack.kill_worker(0); stack.start_worker(0)
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import grp
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.launcher import (
    HOST,
    ROOT,
    STARTUP_TIMEOUT,
    LaunchError,
    Process,
    Server,
    clean_env,
    free_port,
    free_ports,
    healthy,
    port_open,
    run_py,
    tail,
    wait_until,
)

NGINX_TEMPLATE = ROOT / "deploy" / "semis.nginx.conf"
PLACEHOLDER = re.compile(r"\{\{ (\w+) \}\}")
DATABASE_USER = "semis"
DATABASE_NAME = "semis"


class StackError(LaunchError):
    """A part of the stack is missing or failed to start; the message says which and why."""


# ------------------------------------------------------------------- finding the tools


def _which(name: str, *extra_dirs: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for directory in extra_dirs:
        for candidate in sorted(glob.glob(os.path.join(directory, name)), reverse=True):
            if os.access(candidate, os.X_OK):
                return candidate
    return None


def postgres_bin(name: str) -> str | None:
    """``initdb`` / ``pg_ctl``: on the PATH, else the newest /usr/lib/postgresql/*/bin."""
    return _which(name, "/usr/lib/postgresql/*/bin")


def tools(nginx: bool = True) -> dict[str, str | None]:
    """Where each program the stack needs is (``None`` when missing)."""
    found = {
        "initdb": postgres_bin("initdb"),
        "pg_ctl": postgres_bin("pg_ctl"),
        "redis-server": _which("redis-server", "/usr/bin", "/usr/sbin"),
    }
    if nginx:
        found["nginx"] = _which("nginx", "/usr/sbin")
    return found


def missing_tools(nginx: bool = True) -> list[str]:
    """The programs the stack needs that are not installed, as Debian package hints."""
    packages = {"initdb": "postgresql", "pg_ctl": "postgresql"}
    return sorted(
        {
            f"{name} (apt-get install {packages.get(name, name)})"
            for name, path in tools(nginx).items()
            if path is None
        }
    )


# ------------------------------------------------------------------- nginx template


def render_nginx_site(
    upstreams: list[str],
    listen: str = "80",
    server_name: str = "_",
    static_root: str | Path = ROOT / "static",
) -> str:
    """``deploy/semis.nginx.conf`` with its fields filled in."""
    values = {
        "upstream_servers": "\n".join(
            f"    server {address} max_fails=1 fail_timeout=5s;" for address in upstreams
        ),
        "listen": listen,
        "server_name": server_name,
        "static_root": str(static_root).rstrip("/"),
    }
    template = NGINX_TEMPLATE.read_text()
    unknown = set(PLACEHOLDER.findall(template)) - set(values)
    if unknown:
        raise StackError(f"{NGINX_TEMPLATE} has fields nobody fills: {sorted(unknown)}")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def _nginx_main_config(workdir: Path, site: Path) -> str:
    """The top-level nginx.conf of the throwaway nginx: everything in ``workdir``."""
    temp = workdir / "temp"
    mime_types = Path("/etc/nginx/mime.types")
    types = f"include {mime_types};" if mime_types.exists() else "types { text/css css; }"
    # Started as root, nginx would serve the files as `nobody`, who may not be allowed
    # into the checkout (a clone in a private temp directory): serve as their owner.
    user = ""
    if os.geteuid() == 0:
        owner = (ROOT / "static").stat()
        user = f"user {pwd.getpwuid(owner.st_uid).pw_name} {grp.getgrgid(owner.st_gid).gr_name};"
    return f"""\
{user}
daemon off;
worker_processes 1;
worker_rlimit_nofile 16384;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{
    worker_connections 8192;
}}
http {{
    {types}
    default_type application/octet-stream;
    # Which worker served which visitor (the sticky key): tests read it.
    log_format semis_stack '$semis_node $upstream_addr $status "$request"';
    access_log {workdir}/access.log semis_stack;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {site};
}}
"""


# ------------------------------------------------------------------- processes


def _run(argv: list[str], *, user: str | None = None, timeout: float = 60.0) -> str:
    try:
        result = subprocess.run(  # noqa: S603 - fixed programs, our own arguments
            argv, capture_output=True, timeout=timeout, check=False, user=user, cwd="/"
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise StackError(f"{' '.join(argv)}: {error}") from None
    if result.returncode != 0:
        raise StackError(
            f"{' '.join(argv)} failed ({result.returncode}):\n"
            f"{result.stdout.decode(errors='replace')}{result.stderr.decode(errors='replace')}"
        )
    return result.stdout.decode(errors="replace")


@dataclass
class Postgres:
    """A throwaway cluster made by ``initdb``, run by ``pg_ctl`` on a loopback port.

    PostgreSQL refuses to run as root: as root the cluster belongs to the ``postgres``
    system user the Debian package creates.
    """

    workdir: Path
    port: int = field(default_factory=free_port)
    running: bool = False

    @property
    def data(self) -> Path:
        return self.workdir / "data"

    @property
    def log_path(self) -> Path:
        return self.workdir / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgresql://{DATABASE_USER}@{HOST}:{self.port}/{DATABASE_NAME}"

    @property
    def user(self) -> str | None:
        return "postgres" if os.geteuid() == 0 else None

    def start(self) -> None:
        initdb, pg_ctl = postgres_bin("initdb"), postgres_bin("pg_ctl")
        if initdb is None or pg_ctl is None:
            raise StackError("PostgreSQL is not installed (apt-get install postgresql)")
        self.workdir.mkdir(parents=True)
        if self.user:
            shutil.chown(self.workdir, self.user, self.user)
        _run(
            [initdb, "-D", str(self.data), "-U", DATABASE_USER, "--auth=trust"]
            + ["--encoding=UTF8", "--no-locale", "--no-sync"],
            user=self.user,
        )
        options = (
            f"-c listen_addresses={HOST} -p {self.port} -c unix_socket_directories='' "
            "-c max_connections=200"
        )
        _run(
            [pg_ctl, "start", "-D", str(self.data), "-l", str(self.log_path)]
            + ["-w", "-t", str(int(STARTUP_TIMEOUT)), "-o", options],
            user=self.user,
            timeout=STARTUP_TIMEOUT + 10,
        )
        self.running = True
        import psycopg

        admin = f"postgresql://{DATABASE_USER}@{HOST}:{self.port}/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {DATABASE_NAME}")

    def stop(self) -> None:
        if not self.running:
            return
        self.running = False
        pg_ctl = postgres_bin("pg_ctl")
        assert pg_ctl is not None  # noqa: S101 - it started the cluster
        with contextlib.suppress(StackError):
            _run([pg_ctl, "stop", "-D", str(self.data), "-m", "fast", "-w"], user=self.user)

    def log(self) -> str:
        return tail(self.log_path, 10_000)


def redis_server(workdir: Path, port: int, *, maxclients: int = 10_000) -> Process:
    """A throwaway ``redis-server`` on a loopback port, nothing saved to disk (not yet
    started: :meth:`~scripts.launcher.Process.spawn`, then wait for its port)."""
    program = tools(nginx=False)["redis-server"]
    if program is None:
        raise StackError("Redis is not installed (apt-get install redis-server)")
    return Process(
        "redis",
        [program, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no"]
        + ["--dir", str(workdir), "--maxclients", str(maxclients)],
        workdir / "redis.log",
    )


@dataclass
class Worker:
    """One ``run.py`` process (eventlet) on its own loopback port."""

    index: int
    port: int
    env: dict[str, str]
    log_path: Path
    child: Server | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        return None if self.child is None else self.child.pid

    def start(self) -> None:
        self.spawn()
        self.wait_healthy()

    def spawn(self) -> None:
        if self.child is not None and self.child.alive():
            raise StackError(f"worker {self.index} is already running")
        name = f"worker {self.index} (run.py on port {self.port})"
        self.child = run_py(name, self.port, self.env, self.log_path)
        self.child.spawn(f"start on port {self.port}")

    def wait_healthy(self) -> None:
        assert self.child is not None  # noqa: S101 - spawned first
        self.child.wait_healthy()

    def stop(self, sig: int = signal.SIGTERM) -> int | None:
        return None if self.child is None else self.child.stop(sig)

    def log(self) -> str:
        return tail(self.log_path, 10_000)


@dataclass
class Stack:
    """The running parts; :meth:`stop` (or leaving the ``with`` block) ends them all."""

    workdir: Path
    postgres: Postgres
    redis: Process | None = None
    redis_port: int = 0
    nginx: Server | None = None
    nginx_port: int = 0
    workers: list[Worker] = field(default_factory=list)
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    keep: bool = False
    # Extra WORKSHOP_* variables for every worker (a load generator lifts the join limit).
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def database_url(self) -> str:
        return self.postgres.url

    @property
    def message_queue(self) -> str:
        return f"redis://{HOST}:{self.redis_port}/0"

    @property
    def url(self) -> str:
        """Where visitors go: nginx, or the first worker when the stack has no nginx."""
        return f"http://{HOST}:{self.nginx_port}" if self.nginx else self.workers[0].url

    def env(self) -> dict[str, str]:
        """The environment of a worker or a ``flask`` command (every worker shares it)."""
        return (
            clean_env()
            | {
                "WORKSHOP_ENV": "production",
                "WORKSHOP_SECRET_KEY": self.secret_key,
                "WORKSHOP_INSTANCE_PATH": str(self.workdir / "instance"),
                "WORKSHOP_DATABASE_URL": self.database_url,
                "WORKSHOP_MESSAGE_QUEUE": self.message_queue,
                "WORKSHOP_RATELIMIT_STORAGE_URI": self.message_queue,
                "WORKSHOP_PUBLIC_URL": self.url,
                "WORKSHOP_PROXY_COUNT": "1" if self.nginx else "0",
                "WORKSHOP_ASYNC_MODE": "eventlet",
            }
            | self.settings
        )

    @property
    def env_file(self) -> Path:
        """The ``WORKSHOP_*`` variables of :meth:`env` as a shell file (``set -a; . FILE``)."""
        return self.workdir / "stack.env"

    def write_env_file(self) -> None:
        lines = [
            f"{k}={shlex.quote(v)}" for k, v in self.env().items() if k.startswith("WORKSHOP_")
        ]
        self.env_file.write_text("\n".join(lines) + "\n")
        self.env_file.chmod(0o600)  # the secret key

    def flask(self, *args: str, stdin: str = "") -> str:
        """Run ``flask --app workshop ARGS`` on the stack's database; its standard output."""
        from tests.operator_cli import CommandFailed, run_flask

        try:
            return run_flask(self.env(), *args, stdin=stdin)
        except CommandFailed as error:
            raise StackError(str(error)) from None

    def start_worker(self, index: int) -> Worker:
        worker = self.workers[index]
        worker.env = self.env()
        worker.start()
        return worker

    def stop_worker(self, index: int, sig: int = signal.SIGTERM) -> int | None:
        return self.workers[index].stop(sig)

    def kill_worker(self, index: int) -> int | None:
        """``kill -9`` one worker: no chance to say goodbye to its clients."""
        return self.stop_worker(index, signal.SIGKILL)

    def logs(self) -> dict[str, str]:
        """Every part's log, by name (for a failed test's report)."""
        out = {f"worker{w.index}": w.log() for w in self.workers}
        if self.nginx:
            out["nginx"] = tail(self.workdir / "nginx" / "error.log", 10_000)
        if self.redis:
            out["redis"] = self.redis.log()
        out["postgres"] = self.postgres.log()
        return out

    def stop(self) -> None:
        """Stop workers, nginx, Redis, then PostgreSQL; remove the scratch directory."""
        for worker in self.workers:
            worker.stop()
        if self.nginx is not None:
            self.nginx.stop(signal.SIGQUIT)  # graceful: finish the requests in flight
        if self.redis is not None:
            self.redis.stop()
        self.postgres.stop()
        if not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def start_stack(
    workers: int = 2,
    *,
    nginx: bool = True,
    port: int | None = None,
    worker_ports: list[int] | None = None,
    workdir: Path | None = None,
    keep: bool = False,
    migrate: bool = True,
    settings: dict[str, str] | None = None,
    log: Callable[[str], None] = lambda _message: None,
) -> Stack:
    """Start PostgreSQL, Redis, ``workers`` run.py workers and (unless ``nginx=False``)
    nginx on ``port``; every other port is a free loopback one. The database is migrated
    before the first worker starts. On any failure what started is stopped again and
    :class:`StackError` says why. The scratch directory is removed on stop unless ``keep``.
    """
    missing = missing_tools(nginx)
    if missing:
        raise StackError("missing: " + ", ".join(missing))
    if workers < 1:
        raise StackError("a stack needs at least one worker")
    # The postgres and nobody users (PostgreSQL and nginx workers run as them under
    # root) must reach their files in here: the directory is readable, its files are not.
    workdir = Path(workdir or tempfile.mkdtemp(prefix="semis-stack-"))
    workdir.mkdir(parents=True, exist_ok=True)
    workdir.chmod(0o755)
    # Every port at once (PostgreSQL, Redis, the workers not given one, nginx when not
    # given one), each socket held until all are picked: never the same port twice.
    ports = list(worker_ports or [])
    picked = free_ports(2 + workers - len(ports) + (1 if nginx and not port else 0))
    postgres_port, redis_port, picked = picked[0], picked[1], picked[2:]
    ports += picked[: workers - len(ports)]
    postgres = Postgres(workdir / "postgres", port=postgres_port)
    stack = Stack(
        workdir=workdir,
        postgres=postgres,
        redis_port=redis_port,
        keep=keep,
        settings=dict(settings or {}),
    )
    try:
        log(f"PostgreSQL: initdb and pg_ctl start on {HOST}:{stack.postgres.port}")
        stack.postgres.start()

        log(f"Redis on {HOST}:{stack.redis_port}")
        redis = stack.redis = redis_server(workdir, stack.redis_port)
        redis.spawn()
        wait_until(
            lambda: port_open(stack.redis_port),
            "redis-server",
            alive=redis.alive,
            log=redis.log_path,
        )

        if nginx:
            stack.nginx_port = port or picked[-1]
            stack.nginx = Server(
                "nginx",
                [],
                workdir / "nginx" / "stdout.log",
                port=stack.nginx_port,
                server_header="nginx",
            )
        stack.workers = [
            Worker(i, ports[i], {}, workdir / f"worker{i}.log") for i in range(workers)
        ]
        (workdir / "instance").mkdir()
        stack.write_env_file()
        log("Migrating the database (flask db upgrade)")
        if migrate:
            stack.flask("db", "upgrade")
        for worker in stack.workers:  # all at once: each takes seconds to import
            log(f"Worker {worker.index}: run.py (eventlet) on {HOST}:{worker.port}")
            worker.env = stack.env()
            worker.spawn()
        for worker in stack.workers:
            worker.wait_healthy()

        if stack.nginx is not None:
            _start_nginx(stack)
            log(f"nginx on {HOST}:{stack.nginx_port}")
    except LaunchError as error:
        stack.stop()
        if isinstance(error, StackError):
            raise
        raise StackError(str(error)) from None
    except BaseException:
        stack.stop()
        raise
    return stack


def _start_nginx(stack: Stack) -> None:
    assert stack.nginx is not None  # noqa: S101
    directory = stack.workdir / "nginx"
    (directory / "temp").mkdir(parents=True)
    site = directory / "semis.conf"
    site.write_text(
        render_nginx_site(
            [f"{HOST}:{w.port}" for w in stack.workers], listen=f"{HOST}:{stack.nginx_port}"
        )
    )
    conf = directory / "nginx.conf"
    conf.write_text(_nginx_main_config(directory, site))
    nginx = tools()["nginx"]
    assert nginx is not None  # noqa: S101 - missing_tools checked it
    _run([nginx, "-t", "-q", "-p", str(directory), "-c", str(conf)])
    stack.nginx.argv = [nginx, "-p", str(directory), "-c", str(conf)]
    stack.nginx.spawn()
    # Whatever else might answer on that port (a worker given the same one) must not
    # pass for nginx: the answer has to come through nginx (its Server header).
    wait_until(
        lambda: healthy(stack.url, server="nginx"),
        f"nginx (on port {stack.nginx_port})",
        alive=stack.nginx.alive,
        log=directory / "error.log",
    )


@contextlib.contextmanager
def running_stack(**options: Any) -> Iterator[Stack]:
    """``start_stack(**options)`` as a context manager."""
    stack = start_stack(**options)
    try:
        yield stack
    finally:
        stack.stop()


# ------------------------------------------------------------------- command line


def _serve(args: argparse.Namespace) -> int:
    def on_term(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    # Ctrl-C even when started from a shell that ignored SIGINT (a background job).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        stack = start_stack(
            args.workers,
            nginx=not args.no_nginx,
            port=args.port,
            keep=args.keep,
            log=lambda message: print(f"  {message}", flush=True),
        )
    except StackError as error:
        print(f"make stack: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopped while starting.")
        return 130
    try:
        print(f"\nSemis is running on {stack.url}  ({args.workers} workers, PostgreSQL, Redis)")
        print(f"  Database:      {stack.database_url}")
        print(f"  Message queue: {stack.message_queue}")
        print(f"  Logs:          {stack.workdir}/")
        print("  The first visit creates the first facilitator account. Flask commands here:")
        print(f"    (set -a; . {stack.env_file}; .venv/bin/flask --app workshop demo)")
        print("Press Ctrl-C to stop everything.", flush=True)
        while True:
            for worker in stack.workers:
                if worker.child is not None and not worker.child.alive():
                    print(
                        f"worker {worker.index} exited:\n{tail(worker.log_path)}", file=sys.stderr
                    )
                    return 1
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nStopping workers, nginx, Redis and PostgreSQL…", flush=True)
        return 0
    finally:
        stack.stop()
        print("Stopped." + (f" Files kept in {stack.workdir}" if args.keep else ""))


def _nginx_config(args: argparse.Namespace) -> int:
    print(
        render_nginx_site(
            args.upstream or ["127.0.0.1:5001", "127.0.0.1:5002"],
            listen=args.listen,
            server_name=args.server_name,
            static_root=args.static_root,
        ),
        end="",
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.stack", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command")
    parser.add_argument("--workers", type=int, default=2, help="run.py workers (default 2)")
    parser.add_argument("--port", type=int, default=8080, help="nginx port (default 8080)")
    parser.add_argument("--no-nginx", action="store_true", help="workers only, no proxy")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    config = sub.add_parser("nginx-config", help="print deploy/semis.nginx.conf filled in")
    config.add_argument("--upstream", action="append", help="HOST:PORT of a worker (repeat)")
    config.add_argument("--listen", default="80")
    config.add_argument("--server-name", default="_")
    config.add_argument("--static-root", default=str(ROOT / "static"))
    args = parser.parse_args(argv)
    if args.command == "nginx-config":
        return _nginx_config(args)
    return _serve(args)


if __name__ == "__main__":
    sys.exit(main())
