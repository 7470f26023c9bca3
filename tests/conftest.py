"""Fixtures every test may use. Each area's own fixtures live in a module of tests/fixtures/,
which is loaded here automatically (drop a file there to add fixtures)."""

from pathlib import Path

pytest_plugins = sorted(
    f"tests.fixtures.{path.stem}"
    for path in (Path(__file__).parent / "fixtures").glob("*.py")
    if path.stem != "__init__"
)
