"""Fixtures every test may use. Each area's own fixtures live in tests/fixtures/."""

pytest_plugins: list[str] = []
