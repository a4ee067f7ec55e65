"""scripts/production: one command starts web, workers and one beat against PostgreSQL and Redis."""

import importlib.util
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
import uuid

import pytest

from csol.logs import JsonFormatter
from tests.trust.test_deploy import ROOT, production_env

SCRIPT = str(ROOT / "scripts" / "production")


def _gunicorn_conf(monkeypatch, **env):
    for key in ("WEB_CONCURRENCY", "BIND"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "deploy" / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_web_workers_follow_the_cpu_count(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    import multiprocessing

    monkeypatch.setattr(multiprocessing, "cpu_count", lambda: 4)
    assert _gunicorn_conf(monkeypatch).workers == 9
    assert _gunicorn_conf(monkeypatch, WEB_CONCURRENCY="3").workers == 3


def test_log_lines_are_json_objects():
    formatter = JsonFormatter()
    record = logging.LogRecord(
        "csol.core.outbox", logging.WARNING, __file__, 1, "job=%s pending", ("42",), None
    )
    record.customer = "C-100001"
    line = json.loads(formatter.format(record))
    assert line["level"] == "warning" and line["logger"] == "csol.core.outbox"
    assert line["msg"] == "job=42 pending" and line["customer"] == "C-100001"
    assert "\n" not in formatter.format(record)


def test_access_log_lines_leave_the_query_string_out():
    atoms = {
        "m": "GET",
        "U": "/fr/invoices/",
        "q": "token=secret",
        "s": "200",
        "B": 512,
        "D": 12345,
        "h": "10.0.0.1",
        "a": "x",
    }
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(m)s", (atoms,), None)
    record.args = atoms
    line = json.loads(JsonFormatter().format(record))
    assert (line["method"], line["path"], line["status"], line["duration_ms"]) == (
        "GET",
        "/fr/invoices/",
        "200",
        12.3,
    )
    assert "secret" not in json.dumps(line)


def _run_script(*args, **env_overrides):
    return subprocess.run(  # noqa: S603
        [SCRIPT, *args],
        cwd=ROOT,
        env=production_env(**env_overrides),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_refuses_to_start_without_postgresql():
    result = _run_script(DATABASE_URL="sqlite:////tmp/x.sqlite3", REDIS_URL="redis://127.0.0.1:6379/0")
    assert result.returncode == 2
    assert "PostgreSQL" in result.stderr


def test_refuses_to_start_without_redis():
    env = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x"}
    result = subprocess.run(  # noqa: S603
        [SCRIPT],
        cwd=ROOT,
        env={k: v for k, v in production_env(**env).items() if k != "REDIS_URL"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "REDIS_URL" in result.stderr


def test_refuses_unknown_roles():
    result = _run_script(
        "scheduler", DATABASE_URL="postgres://postgres@127.0.0.1:5432/x", REDIS_URL="redis://x"
    )
    assert result.returncode == 2 and "unknown role" in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.postgres
def test_one_command_starts_web_worker_and_one_beat(tmp_path):
    import psycopg2
    import redis
    from django.db import connection

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/13", socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError:
        pytest.skip("needs a Redis server on 127.0.0.1:6379")
    db = connection.settings_dict
    name = f"csol_production_smoke_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(
        dbname="postgres", user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"] or 5432
    )
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    port = _free_port()
    log = (tmp_path / "production.log").open("w+")
    process = subprocess.Popen(  # noqa: S603
        [SCRIPT],
        cwd=ROOT,
        env=production_env(
            DATABASE_URL=f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}",
            REDIS_URL="redis://127.0.0.1:6379/13",
            ALLOWED_HOSTS="127.0.0.1",
            BIND=f"127.0.0.1:{port}",
            WEB_CONCURRENCY="2",
            CELERY_CONCURRENCY="1",
        ),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        health = None
        deadline = time.monotonic() + 420
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as response:  # noqa: S310
                    health = (response.status, json.loads(response.read()))
                    break
            except OSError:
                time.sleep(2)
        log.seek(0)
        assert health == (200, {"database": "ok", "broker": "ok"}), log.read()[-3000:]

        processes = subprocess.run(  # noqa: S603
            [shutil.which("ps"), "-o", "args=", "-g", str(os.getpgid(process.pid))],
            capture_output=True,
            text=True,
            check=True,  # noqa: S607
        ).stdout.splitlines()
        assert sum(" beat " in p for p in processes) == 1
        assert any("csol.wsgi:application" in p for p in processes)
        assert any(" worker " in p for p in processes)

        # gunicorn writes its access line after the response: wait a little for it to reach the log.
        access = []
        for _ in range(30):
            log.seek(0)
            access = [json.loads(line) for line in log if line.startswith("{") and '"gunicorn.access"' in line]
            if any(entry["path"] == "/healthz" for entry in access):
                break
            time.sleep(0.5)
        assert any(entry["path"] == "/healthz" for entry in access)

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=90) == 0
    finally:
        if process.poll() is None:
            os.killpg(os.getpgid(process.pid), signal.SIGKILL)
            process.wait(timeout=30)
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
        log.close()
