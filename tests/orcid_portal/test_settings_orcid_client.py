"""CONTRACT §2: ORCID_CLIENT_ID / ORCID_CLIENT_SECRET default to the simulator's demo client,
with DEBUG off too; only a portal pointed at ORCID must name its own client."""

from cryptography.fernet import Fernet

from tests.orcid_portal.test_settings import _run_manage

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-0123456789",
    "ALLOWED_HOSTS": "orcid.example.edu",
}
PRINT_CLIENT = "from django.conf import settings; print(settings.ORCID_CLIENT_ID)"


def test_debug_off_on_the_simulator_starts_with_the_demo_client():
    result = _run_manage("shell", "-c", PRINT_CLIENT,
                         env_overrides={**PRODUCTION, "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode()})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "APP-DEMO000000000001"


def test_debug_off_pointed_at_orcid_needs_the_institutions_own_client():
    env = {**PRODUCTION, "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
           "ORCID_BASE_URL": "https://sandbox.orcid.org", "ORCID_API_URL": "https://api.sandbox.orcid.org"}
    refused = _run_manage("shell", "-c", PRINT_CLIENT, env_overrides=env)
    assert refused.returncode != 0 and "ORCID_CLIENT_ID" in refused.stderr
    started = _run_manage("shell", "-c", PRINT_CLIENT, env_overrides={
        **env, "ORCID_CLIENT_ID": "APP-0000000000000001", "ORCID_CLIENT_SECRET": "secret"})
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip().splitlines()[-1] == "APP-0000000000000001"


def test_debug_off_without_token_keys_still_refuses_to_start():
    result = _run_manage("shell", "-c", PRINT_CLIENT, env_overrides=PRODUCTION)
    assert result.returncode != 0 and "TOKEN_ENCRYPTION_KEYS" in result.stderr
