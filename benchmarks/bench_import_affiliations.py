"""Benchmark: import a 100,000-row ORCID Affiliation Manager CSV and print rows/s and peak memory.

    PORTAL_ENV_FILE=/nonexistent .venv/bin/python benchmarks/bench_import_affiliations.py [--rows 100000]

Runs against a fresh SQLite database in a temporary directory (never the project's own), makes
the CSV there (all seven sections, one in seven rows an employment; own organisations with
ROR/GRID/Ringgold/FundRef ids and defaulted ones; researchers named by email or institutional
ID; about 1 % bad rows), imports it twice (first load, then a re-import with --snapshot where
nothing changed) and prints, for each: rows, seconds, rows/s, the resident memory growth and
the peak RSS of the process. Memory is flat when the figures do not grow with --rows (try
--rows 20000 against 100000).
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

RESEARCHERS = 5000
SECTIONS = ("employment", "education", "qualification", "invited-position", "distinction", "membership", "service")
ORGS = [
    ("University of Oxford", "GB", "Oxford", "ROR", "https://ror.org/052gg0110"),
    ("University of Cambridge", "GB", "Cambridge", "GRID", "grid.5335.0"),
    ("Royal Society", "GB", "London", "RINGGOLD", "6396"),
    ("National Institutes of Health", "US", "Bethesda", "FUNDREF", "100000002"),
    ("", "", "", "", ""),  # the institution's, from the settings
]
HEADER = ["email", "affiliation-section", "department-name", "role-title", "start-date", "end-date", "org-name",
          "org-country", "org-city", "org-region", "disambiguation-source", "disambiguated-organization-identifier",
          "external-id", "external-id-type", "external-id-url", "url", "institutional_id", "local_id"]


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_csv(path: Path, rows: int) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            person = i % RESEARCHERS
            section = SECTIONS[i % len(SECTIONS)] if i % 101 else "teaching"  # ~1 % unknown sections
            name, country, city, source, identifier = ORGS[i % len(ORGS)]
            by_email = i % 2 == 0
            writer.writerow([
                f"researcher{person}@example.edu" if by_email else "", section, f"Department {i % 40}",
                f"Role {i // RESEARCHERS}", f"{2000 + i % 20}-{1 + i % 12:02d}", "" if i % 3 else f"{2021 + i % 3}",
                name, country, city, "", source, identifier, f"X-{i}" if i % 5 == 0 else "",
                "other-id" if i % 5 == 0 else "", "", "", "" if by_email else f"researcher{person}",
                f"am-bench-{i:07d}",
            ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-import-affiliations-") as tmp:
        tmpdir = Path(tmp)
        os.environ["DATABASE_URL"] = f"sqlite:///{tmpdir / 'bench.sqlite3'}"
        os.environ.setdefault("PORTAL_ENV_FILE", "/nonexistent")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orcid_portal.settings")
        os.environ["PORTAL_VAR_DIR"] = str(tmpdir / "var")
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password
        from django.core.management import call_command

        from units.services import unit_create_or_update

        call_command("migrate", verbosity=0, skip_checks=True)
        unit_create_or_update(code="registry", name="Registry")
        User = get_user_model()
        unusable = make_password(None)
        User.objects.bulk_create([User(username=f"researcher{n}", email=f"researcher{n}@example.edu", password=unusable)
                                  for n in range(RESEARCHERS)], batch_size=1000)
        path = tmpdir / "affiliations.csv"
        started = time.perf_counter()
        make_csv(path, args.rows)
        print(f"generated {args.rows:,} rows ({path.stat().st_size / 1e6:.1f} MB) in "
              f"{time.perf_counter() - started:.1f}s")

        for label, options in (("first import", ()), ("re-import --snapshot (unchanged)", ("--snapshot",))):
            before = rss_mb()
            started = time.perf_counter()
            with open(os.devnull, "w") as devnull:
                call_command("import_affiliations", str(path), *options, unit="registry", no_progress=True,
                             verbosity=0, stdout=devnull, skip_checks=True)
            elapsed = time.perf_counter() - started
            print(f"{label}: {args.rows:,} rows in {elapsed:.1f}s = {args.rows / elapsed:,.0f} rows/s; "
                  f"memory growth {rss_mb() - before:+.1f} MB (peak RSS of the process {peak_mb():.0f} MB)")


if __name__ == "__main__":
    main()
