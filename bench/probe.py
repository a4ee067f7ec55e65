"""Loaded into the generation benchmark's Celery workers (`celery worker --include bench.probe`).

For every task it records the queries run, the process CPU time, the wall time, the CPU time spent
inside WeasyPrint's `write_pdf` and the CPU time of the task's PostgreSQL backend process (read from
/proc: the database runs on this machine), and pushes them as one JSON line to a Redis list of the
benchmark's own database, where bench/jobs.py reads them. Nothing of this runs outside the benchmark.
"""

import json
import os
import time
from pathlib import Path

import redis
from celery.signals import task_postrun, task_prerun, worker_process_init
from django.db import connection

KEY_READY = "bench:ready"
KEY_TASKS = "bench:tasks"

_client = None
_running: dict[str, tuple] = {}
_render_cpu = [0.0]


def _redis():
    global _client
    if _client is None:
        _client = redis.Redis.from_url(os.environ["BENCH_BROKER_URL"])
    return _client


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process of this machine."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _backend() -> tuple[int, float]:
    """The PostgreSQL backend serving this process, and its CPU seconds so far (not a counted query)."""
    if connection.vendor != "postgresql":
        return 0, 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return pid, proc_cpu(pid)


class _Counter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _patch_weasyprint():
    from weasyprint import HTML

    if getattr(HTML.write_pdf, "_bench_timed", False):
        return
    original = HTML.write_pdf

    def write_pdf(self, *args, **kwargs):
        started = time.process_time()
        try:
            return original(self, *args, **kwargs)
        finally:
            _render_cpu[0] += time.process_time() - started

    write_pdf._bench_timed = True
    HTML.write_pdf = write_pdf


@worker_process_init.connect
def _ready(**_kwargs):
    _patch_weasyprint()
    _redis().rpush(KEY_READY, os.getpid())


@task_prerun.connect
def _start(task_id=None, **_kwargs):
    backend = _backend()
    counter = _Counter()
    connection.execute_wrappers.append(counter)
    _running[task_id] = (counter, time.process_time(), time.perf_counter(), _render_cpu[0], backend)


@task_postrun.connect
def _end(task_id=None, task=None, args=None, state=None, **_kwargs):
    counter, cpu, wall, render, (pid, db_cpu) = _running.pop(task_id, (None, 0.0, 0.0, 0.0, (0, 0.0)))
    if counter is None:
        return
    if counter in connection.execute_wrappers:
        connection.execute_wrappers.remove(counter)
    end_pid, end_db_cpu = _backend()
    # A connection opened during the task: all of its backend's CPU belongs to the task.
    db_cpu = end_db_cpu - db_cpu if end_pid == pid else end_db_cpu
    first = (args or [None])[0]
    _redis().rpush(
        KEY_TASKS,
        json.dumps(
            {
                "task": task.name if task else "",
                "state": state,
                "size": len(first) if isinstance(first, list) else 1,
                "queries": counter.count,
                "cpu": time.process_time() - cpu,
                "wall": time.perf_counter() - wall,
                "render_cpu": _render_cpu[0] - render,
                "db_cpu": db_cpu,
            }
        ),
    )
