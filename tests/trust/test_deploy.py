"""Production settings pass `check --deploy`; responses carry the security headers."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra) -> dict:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG", "SECURE_", "CELERY_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="csol.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="portal.csol.example",
        CSRF_TRUSTED_ORIGINS="https://portal.csol.example",
    )
    env.update(extra)
    return env


def test_check_deploy_is_clean_with_the_production_settings_module():
    # The real settings module, configured only from the environment as in production.
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_check_deploy_in_process_with_production_security_settings(settings, monkeypatch):
    # The test settings relax HTTPS for the test client; put the production values back.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)  # set for the test runner only
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.ALLOWED_HOSTS = ["portal.csol.example"]
    call_command("check", deploy=True, fail_level="WARNING")


@pytest.mark.django_db
def test_security_headers_on_a_portal_page(customer_client):
    response = customer_client.get("/fr/", secure=True)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert "'nonce-" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in response["Strict-Transport-Security"]


@pytest.mark.django_db
def test_every_script_tag_carries_the_nonce(customer_client):
    import re

    response = customer_client.get("/fr/", secure=True)
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    html = response.content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts
    for tag in scripts:
        assert 'src="' in tag, f"inline script: {tag}"
        assert f'nonce="{nonce}"' in tag
    assert " style=" not in html
