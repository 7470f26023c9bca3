"""Benchmark: import a 100,000-row works CSV and print rows/s and peak memory.

    PORTAL_ENV_FILE=/nonexistent .venv/bin/python benchmarks/bench_import_works.py [--rows 100000]

Runs against a fresh SQLite database in a temporary directory (never the project's own), makes
the CSV there (a realistic mix: most rows good, some bad, several works per researcher), imports
it twice (first load, then a re-import where nothing changed) and prints, for each:
rows, seconds, rows/s and the peak resident memory growth of the process. Memory is flat when
the second figure does not grow with --rows (try --rows 20000 against 100000).
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    """Current resident memory in MB (Linux /proc), for growth during one import."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_csv(path: Path, rows: int) -> None:
    types = ["journal-article", "conference-paper", "book-chapter", "book", "preprint", "report"]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["institutional_id", "local_id", "title", "subtitle", "type", "publication_date", "journal",
                         "doi", "pmid", "pmcid", "isbn", "arxiv", "url", "contributors", "public"])
        for i in range(rows):
            bad = i % 97 == 0
            writer.writerow([
                f"researcher{i % 5000}", f"bench-{i:07d}",
                f"A study of topic {i} with a reasonably long descriptive title about measurements",
                "" if i % 3 else "and what they mean", types[i % len(types)],
                "2020-13-01" if bad else f"{2000 + i % 25}-{1 + i % 12:02d}", "Journal of Benchmarks",
                f"https://doi.org/10.5555/BENCH.{i}" if i % 4 else "", str(10000000 + i) if i % 4 == 0 else "",
                "", "", "", f"https://example.org/works/{i}",
                f"Author {i}|0000-0002-1825-0097;Second Author {i}", "true" if i % 5 else "false",
            ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-import-works-") as tmp:
        tmpdir = Path(tmp)
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
        path = tmpdir / "works.csv"
        started = time.perf_counter()
        make_csv(path, args.rows)
        print(f"generated {args.rows:,} rows ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f}s")

        for label in ("first import", "re-import (unchanged)"):
            before = rss_mb()
            started = time.perf_counter()
            with open(os.devnull, "w") as devnull:
                call_command("import_works", str(path), unit="library", no_progress=True, verbosity=0,
                             stdout=devnull, skip_checks=True)
            elapsed = time.perf_counter() - started
            print(f"{label}: {args.rows:,} rows in {elapsed:.1f}s = {args.rows / elapsed:,.0f} rows/s; "
                  f"memory growth {rss_mb() - before:+.1f} MB (peak RSS of the process {peak_mb():.0f} MB)")


if __name__ == "__main__":
    main()
