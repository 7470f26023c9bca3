"""A malformed TOKEN_ENCRYPTION_KEYS fails Django's system checks (check --deploy), not the first token."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

from operations.checks import token_encryption_keys_check

BASE_DIR = Path(__file__).resolve().parents[2]


def test_good_keys_pass(settings):
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), Fernet.generate_key().decode()]
    assert token_encryption_keys_check() == []


def test_a_malformed_key_is_an_error_naming_its_position_not_its_value(settings):
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), "not-a-fernet-key"]
    errors = token_encryption_keys_check()
    assert [e.id for e in errors] == ["operations.E002"]
    assert "key 2 of 2" in errors[0].msg and "not-a-fernet-key" not in errors[0].msg


def test_check_deploy_fails_with_a_malformed_key():
    env = {
        "PATH": "/usr/bin:/bin", "PORTAL_ENV_FILE": "/nonexistent", "DJANGO_SETTINGS_MODULE": "orcid_portal.settings",
        "DEBUG": "false", "SECRET_KEY": "check-deploy-" + "k" * 50, "ALLOWED_HOSTS": "portal.example.edu",
        "TOKEN_ENCRYPTION_KEYS": "abc,def", "DATABASE_URL": "sqlite:////tmp/never-opened.sqlite3",
    }
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "operations.E002" in done.stderr and "TOKEN_ENCRYPTION_KEYS" in done.stderr
