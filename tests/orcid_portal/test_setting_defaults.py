"""The embedded defaults of CONTRACT §2 that a deployment relies on when it sets nothing:
loaded in a fresh `manage.py` process with none of these variables set and no `.env` file,
as tests/orcid_portal/test_settings.py loads them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]

NAMES = (
    "ORCID_REQUESTS_PER_SECOND",
    "ORCID_BURST",
    "INVITATION_REMINDER_DAYS",
    "INVITATION_MAX_REMINDERS",
    "INVITATION_VALID_DAYS",
    "PORTAL_BASE_URL",
)


def _settings_in_a_fresh_process(env_overrides: dict[str, str]) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE", *NAMES}}
    env.update({"PORTAL_ENV_FILE": "/nonexistent"})
    env.update(env_overrides)
    code = "import json; from django.conf import settings; print(json.dumps({n: getattr(settings, n) for n in %r}))" % (
        list(NAMES),
    )
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_defaults_when_nothing_is_set():
    values = _settings_in_a_fresh_process({})
    assert values == {
        "ORCID_REQUESTS_PER_SECOND": 24,
        "ORCID_BURST": 40,
        "INVITATION_REMINDER_DAYS": 7,
        "INVITATION_MAX_REMINDERS": 2,
        "INVITATION_VALID_DAYS": 30,
        "PORTAL_BASE_URL": "http://127.0.0.1:8000",
    }


def test_set_but_empty_means_the_default():
    values = _settings_in_a_fresh_process({name: "" for name in NAMES})
    assert values["ORCID_REQUESTS_PER_SECOND"] == 24
    assert values["INVITATION_REMINDER_DAYS"] == 7
    assert values["INVITATION_MAX_REMINDERS"] == 2
    assert values["INVITATION_VALID_DAYS"] == 30
    assert values["PORTAL_BASE_URL"] == "http://127.0.0.1:8000"


def test_the_environment_overrides_each_default():
    values = _settings_in_a_fresh_process({
        "ORCID_REQUESTS_PER_SECOND": "12",
        "INVITATION_REMINDER_DAYS": "5",
        "INVITATION_MAX_REMINDERS": "4",
        "INVITATION_VALID_DAYS": "3",
        "PORTAL_BASE_URL": "https://orcid.example.edu",
    })
    assert values["ORCID_REQUESTS_PER_SECOND"] == 12
    assert (values["INVITATION_REMINDER_DAYS"], values["INVITATION_MAX_REMINDERS"], values["INVITATION_VALID_DAYS"]) == (5, 4, 3)
    assert values["PORTAL_BASE_URL"] == "https://orcid.example.edu"
