"""Benchmark: peak memory of imports that files used to break (issue 11).

    PORTAL_ENV_FILE=/nonexistent .venv/bin/python benchmarks/bench_import_limits.py [--rows 1000000]

Each scenario runs in a process of its own (peak RSS, `resource.getrusage`, is the process's
highest ever) against a fresh SQLite database in a temporary directory:
- nested:  `import_works` of a 200 KB CSL-JSON file of nested brackets ([[[[...]]]]);
- items:   what the old reader did with that file (`ijson.items`), under a 3 GB address-space
           cap so that it fails instead of taking the machine;
- million: `import_works` of a works CSV of --rows rows (1,000,000 by default: minutes).
It prints, for each, the outcome, the seconds and the peak RSS of the process.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NESTED_DEPTH = 100_000  # 200 KB of brackets


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup(tmpdir: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{tmpdir / 'bench.sqlite3'}"
    os.environ.setdefault("PORTAL_ENV_FILE", "/nonexistent")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orcid_portal.settings")
    os.environ["PORTAL_VAR_DIR"] = str(tmpdir / "var")
    import django

    django.setup()
    from django.core.management import call_command

    from units.services import unit_create_or_update

    call_command("migrate", verbosity=0, skip_checks=True)
    unit_create_or_update(code="library", name="Library")


def import_works(path: Path) -> str:
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    try:
        call_command("import_works", str(path), unit="library", no_progress=True, verbosity=0, stdout=out,
                     skip_checks=True)
    except CommandError as error:
        return f"refused: {error}"
    lines = out.getvalue().strip().splitlines()
    return " | ".join(lines[-2:])[:300]


def scenario_nested(tmpdir: Path, _rows: int) -> str:
    path = tmpdir / "nested.json"
    path.write_text("[" * NESTED_DEPTH + "]" * NESTED_DEPTH)
    setup(tmpdir)
    return f"{path.stat().st_size / 1e3:.0f} KB file: " + import_works(path)


def scenario_items(tmpdir: Path, _rows: int) -> str:
    import ijson

    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
    data = b"[" * NESTED_DEPTH + b"]" * NESTED_DEPTH
    try:
        for _ in ijson.items(io.BytesIO(data), "item"):
            pass
    except MemoryError:
        return "ijson.items: MemoryError under a 3 GB cap"
    return "ijson.items: read the file"


def scenario_million(tmpdir: Path, rows: int) -> str:
    from benchmarks.bench_import_works import make_csv

    path = tmpdir / "works.csv"
    make_csv(path, rows)
    setup(tmpdir)
    started = time.perf_counter()
    outcome = import_works(path)
    elapsed = time.perf_counter() - started
    return f"{rows:,} rows ({path.stat().st_size / 1e6:.0f} MB) in {elapsed:.0f}s = {rows / elapsed:,.0f} rows/s: {outcome}"


SCENARIOS = {"nested": scenario_nested, "items": scenario_items, "million": scenario_million}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--only", choices=sorted(SCENARIOS), help="run one scenario in this process")
    args = parser.parse_args()
    if args.only:
        with tempfile.TemporaryDirectory(prefix="bench-import-limits-") as tmp:
            started = time.perf_counter()
            outcome = SCENARIOS[args.only](Path(tmp), args.rows)
            print(f"{args.only}: {outcome}; {time.perf_counter() - started:.1f}s; peak RSS {peak_mb():.0f} MB",
                  flush=True)
        return
    for name in SCENARIOS:
        subprocess.run([sys.executable, __file__, "--only", name, "--rows", str(args.rows)], check=False)


if __name__ == "__main__":
    main()
