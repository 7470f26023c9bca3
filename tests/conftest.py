"""Fixtures every test may use. Each area's own fixtures live in a module of tests/fixtures/,
which is loaded here automatically (drop a file there to add fixtures)."""

from pathlib import Path

import pytest

pytest_plugins = sorted(
    f"tests.fixtures.{path.stem}"
    for path in (Path(__file__).parent / "fixtures").glob("*.py")
    if path.stem != "__init__"
)


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher():
    # PBKDF2's deliberate slowness costs seconds per user on a busy CI machine; no test here is
    # about hashing strength (Django's own docs recommend this for test suites).
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def _sync_in_one_thread_on_in_memory_sqlite():
    # Django's SQLite test database lives in memory, where the sync's worker threads (each its
    # own connection) would not see it: runs sync researchers one by one there.
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3") and not (database.get("TEST") or {}).get("NAME"):
        settings.ORCID_SYNC_WORKERS = 1


@pytest.fixture(autouse=True, scope="session")
def _sync_now_runs_wait_for_the_test():
    # A researcher's "sync now" runs in a thread of the web process without a broker; a test's
    # data sits in a transaction that no other thread sees, so runs wait until the test carries
    # them out (tests/fixtures/background.py). The test of the thread path turns threads on.
    from django.conf import settings

    settings.SYNC_NOW_THREADS = False
