"""Benchmark settings: production settings (DEBUG off, cached templates) plus the baseline views."""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
# The cache production uses (README, "Production"): Redis, here a database of the benchmark's own.
# It serves the sessions, the tenancy cache and the page header; BENCH_CACHE_URL=locmemcache:// to compare.
os.environ["CACHE_URL"] = os.environ.get("BENCH_CACHE_URL", "rediscache://127.0.0.1:6379/13")

from csol.settings import *  # noqa: E402,F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# Emails are built and "sent" in memory: the jobs' figures include composing them, not an SMTP server.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The lookup throttle (30 a minute per user) would answer the 55 timed lookups with 429s.
INVENTORY_LOOKUPS_PER_MINUTE = 100_000

# The invoice generation benchmark (bench/jobs.py) starts real Celery workers with BENCH_BROKER_URL set
# (a Redis database of its own): tasks then go through the broker, PDFs to BENCH_MEDIA_ROOT, and emails
# are composed to bytes, as an SMTP backend would, then dropped.
if os.environ.get("BENCH_BROKER_URL"):
    CELERY_BROKER_URL = os.environ["BENCH_BROKER_URL"]
    CELERY_TASK_ALWAYS_EAGER = False
    EMAIL_BACKEND = "bench.mail.DiscardingBackend"
    MEDIA_ROOT = os.environ.get("BENCH_MEDIA_ROOT", MEDIA_ROOT)  # noqa: F405
