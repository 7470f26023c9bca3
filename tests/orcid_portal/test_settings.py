import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def _run_manage(*args, env_overrides):
    # A fresh process, as a deployment starts: nothing a browser test set in this one (e.g.
    # DJANGO_ALLOW_ASYNC_UNSAFE) may leak into it.
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update({"PORTAL_ENV_FILE": "/nonexistent"})
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_secrets():
    result = _run_manage("check", env_overrides={"DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_pass_check_deploy_without_warnings():
    from cryptography.fernet import Fernet

    result = _run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides={
            "DEBUG": "false",
            "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-0123456789",
            "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "orcid.example.edu",
            "ORCID_CLIENT_ID": "APP-0000000000000001",
            "ORCID_CLIENT_SECRET": "secret",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr


def test_empty_variable_means_unset_even_when_dotenv_sets_it(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("ORCID_BURST=7\nORCID_REQUESTS_PER_SECOND=3\n")
    result = _run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.ORCID_BURST, settings.ORCID_REQUESTS_PER_SECOND)",
        env_overrides={"PORTAL_ENV_FILE": str(dotenv), "ORCID_BURST": "", "ORCID_REQUESTS_PER_SECOND": "5"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["40", "5.0"]


@pytest.mark.django_db
def test_sqlite_default_is_set_up_for_concurrency(settings):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
    assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_no_logger_writes_a_token_or_a_webhook_secret_unmasked():
    """Django's own loggers (django.request, django.server: runserver's request lines) have their
    own handlers; they must mask tokens too, not only the portal's loggers."""
    token = "1c2f6a0e-8d3b-4c5a-9e7f-0a1b2c3d4e5f"
    secret = "9f" * 32  # a webhook callback's secret part (webhooks.services)
    code = (
        "import logging\n"
        "for name in ('django.request', 'django.server', 'django', 'orcid_portal'):\n"
        f"    logging.getLogger(name).error('%s Bearer {token}', name)\n"
        "logging.getLogger('django.server').info("
        f"'\"POST /webhooks/orcid/0000-0002-1825-0097/{secret}/ HTTP/1.1\" 204 0')\n"
    )
    result = _run_manage("shell", "-c", code, env_overrides={"DEBUG": "true"})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "django.server" in output and "/webhooks/orcid/0000-0002-1825-0097/" in output  # still logged
    assert token not in output
    assert secret not in output


def test_mail_goes_through_the_smtp_server_named_by_email_url():
    result = _run_manage(
        "shell", "-c",
        "from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS)",
        env_overrides={"EMAIL_URL": "smtp+tls://portal:secret@smtp.example.edu:587"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "django.core.mail.backends.smtp.EmailBackend", "smtp.example.edu", "587", "True"
    ]
