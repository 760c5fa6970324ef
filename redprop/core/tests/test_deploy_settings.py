"""Production settings: ``check --deploy`` is clean, HTTPS is enforced, and every page
carries a Content-Security-Policy without 'unsafe-inline' (issue #10, hole 10; ADR 0018)."""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404 -- our interpreter on our manage.py
import sys
from pathlib import Path

import pytest
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[3]


def production_env(**extra: str) -> dict[str, str]:
    """The environment a real deploy sets (docs/deploy.md, "Environment variables")."""
    from cryptography.fernet import Fernet

    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDPROP_"))}
    return {
        **base,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": "postgres://redprop@127.0.0.1:5432/redprop",
        "DJANGO_SECRET_KEY": "deploy-check-" + "k7Qz9" * 12,
        "REDPROP_PII_KEYS": Fernet.generate_key().decode(),
        "REDPROP_BLIND_INDEX_KEY": "deploy-check-blind-index-key",
        "DJANGO_ALLOWED_HOSTS": "wuye.example.gov.cn",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://wuye.example.gov.cn",
        "REDPROP_SMS_BACKEND": "redprop.notifications.sms.ConsoleSmsBackend",
        "REDPROP_ALLOW_CONSOLE_SMS": "true",
        **extra,
    }


def shown_settings(env: dict[str, str]) -> dict:
    out = manage(env, "shell", "--no-imports", "-c", SHOW)
    return json.loads(out.stdout.strip().splitlines()[-1])


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  # nosec B603
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


SHOW = (
    "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k, None)"
    " for k in ['SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS',"
    " 'SECURE_PROXY_SSL_HEADER', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE']}))"
)


@pytest.mark.parametrize(
    "extra",
    [{}, {"DJANGO_BEHIND_TLS_PROXY": "true"}],
    ids=["tls-at-gunicorn", "tls-at-nginx"],
)
def test_check_deploy_reports_nothing(extra: dict[str, str]) -> None:
    env = production_env(**extra)
    out = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "System check identified no issues" in out.stdout, out.stdout + out.stderr
    assert "WARNINGS" not in out.stdout + out.stderr
    shown = shown_settings(env)
    assert shown["SECURE_SSL_REDIRECT"] is True
    assert shown["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert shown["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert shown["SESSION_COOKIE_SECURE"] is True and shown["CSRF_COOKIE_SECURE"] is True
    behind = bool(extra)
    assert (shown["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]) is behind


def test_a_plain_http_test_install_turns_the_redirect_off_and_says_so() -> None:
    """DJANGO_SECURE_COOKIES=false (the fault tests, the benchmarks) is plain HTTP: no
    redirect, no HSTS, and check --deploy says what is missing."""
    env = production_env(DJANGO_SECURE_COOKIES="false")
    shown = shown_settings(env)
    assert shown["SECURE_SSL_REDIRECT"] is False and shown["SECURE_HSTS_SECONDS"] == 0
    out = manage(env, "check", "--deploy")
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in out.stdout + out.stderr


HTTPS = {
    "SECURE_SSL_REDIRECT": True,
    "SECURE_REDIRECT_EXEMPT": [r"^healthz$"],
    "SECURE_HSTS_SECONDS": 31_536_000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
}


@pytest.mark.django_db
@override_settings(**HTTPS)
def test_http_redirects_to_https_and_https_carries_hsts(client) -> None:
    plain = client.get("/accounts/login/")
    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    # Through the proxy (X-Forwarded-Proto: https): served, with HSTS.
    secure = client.get(plain["Location"], HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    # A probe talking to gunicorn directly is not redirected.
    assert client.get("/healthz?scope=web").status_code in (200, 503)


@pytest.mark.django_db
def test_every_page_carries_the_policy(client) -> None:
    page = client.get("/accounts/login/")
    policy = page["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert sorted(directives["img-src"]) == sorted(["'self'", "data:", "blob:"])
    # Nothing from another host: the platform runs offline.
    assert "http" not in policy
    # The API's JSON answers and the admin carry it too.
    assert "Content-Security-Policy" in client.get("/api/v1/openapi.json")
    assert "Content-Security-Policy" in client.get("/admin/login/")


@pytest.mark.django_db
def test_pages_turn_off_htmx_style_injection_and_eval(client) -> None:
    html = client.get("/accounts/login/").content.decode()
    assert 'name="htmx-config"' in html
    config = html.split('name="htmx-config" content=\'', 1)[1].split("'", 1)[0]
    assert json.loads(config) == {
        "includeIndicatorStyles": False,
        "allowEval": False,
        "attributesToSettle": ["class", "width", "height"],
    }
