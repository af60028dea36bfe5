"""A throwaway PostgreSQL (+ PostGIS) cluster for benchmarks: started in a temporary directory
on a free local port, stopped and removed on exit, even on error.

    with throwaway_postgres(postgis=True) as dsn:
        psycopg.connect(dsn)

Debian layout: server binaries in /usr/lib/postgresql/<major>/bin. PostGIS is installed with
apt-get when its extension is missing (needs root). initdb refuses to run as root, so as root the
cluster runs as the `postgres` user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator

POSTGIS_PACKAGE = "postgresql-{major}-postgis-3"


def _log(message: str) -> None:
    print(f"[pg] {message}", file=sys.stderr, flush=True)


def server_major() -> str:
    """The newest PostgreSQL major version whose server binaries are installed."""
    found = sorted(
        (path.split("/")[-3] for path in glob.glob("/usr/lib/postgresql/*/bin/initdb")), key=lambda v: int(v)
    )
    if not found:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
    return os.environ.get("PG_MAJOR", found[-1])


def ensure_postgis(major: str) -> None:
    control = f"/usr/share/postgresql/{major}/extension/postgis.control"
    if os.path.exists(control):
        return
    if os.geteuid() != 0:
        raise RuntimeError(f"PostGIS is not installed ({control} missing) and installing it needs root")
    package = POSTGIS_PACKAGE.format(major=major)
    _log(f"installing {package} with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    command = ["apt-get", "install", "-y", "--no-install-recommends", package]
    if subprocess.run(command, env=env, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, stdout=subprocess.DEVNULL, check=True)
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
    if not os.path.exists(control):
        raise RuntimeError(f"{package} installed but {control} is still missing")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_settings(**overrides: str) -> dict[str, str]:
    """The server settings docs/deployment.md gives for a production PostgreSQL, for this machine's
    memory: shared_buffers a quarter of it (the server default is 128 MB), effective_cache_size
    three quarters, checkpoints spread over larger WAL. Benchmarks of production behaviour run
    with these; everything else stays the server's default (fsync and synchronous_commit on)."""
    memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    settings = {
        "shared_buffers": f"{max(128, memory_mb // 4)}MB",
        "effective_cache_size": f"{max(512, memory_mb * 3 // 4)}MB",
        "max_wal_size": "4GB",
        "checkpoint_timeout": "30min",
    }
    settings.update(overrides)
    return settings


@contextlib.contextmanager
def throwaway_postgres(postgis: bool = False, settings: dict[str, str] | None = None) -> Iterator[str]:
    """Yields a libpq connection string for the superuser `postgres` of a fresh cluster."""
    major = server_major()
    if postgis:
        ensure_postgis(major)
    bin_dir = f"/usr/lib/postgresql/{major}/bin"
    root = tempfile.mkdtemp(prefix="pgbench.")
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    if as_root:
        shutil.chown(root, "postgres", "postgres")
    data = os.path.join(root, "data")
    port = free_port()
    started = False
    try:
        subprocess.run(
            [*prefix, f"{bin_dir}/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
             "--locale=C.UTF-8"],
            check=True, stdout=subprocess.DEVNULL,
        )
        options = [f"-c listen_addresses=127.0.0.1 -p {port} -k {root}"]
        options += [f"-c {name}={value}" for name, value in (settings or {}).items()]
        subprocess.run(
            [*prefix, f"{bin_dir}/pg_ctl", "-D", data, "-l", os.path.join(root, "server.log"), "-w", "-t", "30",
             "-o", " ".join(options), "start"],
            check=True, stdout=subprocess.DEVNULL,
        )
        started = True
        _log(f"PostgreSQL {major} on 127.0.0.1:{port} ({root})")
        yield f"host=127.0.0.1 port={port} user=postgres dbname=postgres"
    except Exception:
        log = os.path.join(root, "server.log")
        if not started and os.path.exists(log):
            with open(log) as handle:
                _log("server log:\n" + handle.read()[-4000:])
        raise
    finally:
        if started:
            subprocess.run(
                [*prefix, f"{bin_dir}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        shutil.rmtree(root, ignore_errors=True)
