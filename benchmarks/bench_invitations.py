"""Benchmark: invite 20,000 people with `invite_researchers` and print people/s and memory.

    PORTAL_ENV_FILE=/nonexistent .venv/bin/python benchmarks/bench_invitations.py [--people 20000] [--rate 0]

Runs against a fresh SQLite database in a temporary directory (never the project's own). Every
email is rendered (plain text and HTML) and serialised by Django's console backend into
/dev/null, so the figures include the mail framework but no mail server. A mix of rows: most
good, some bad addresses, some duplicates. Then a second run of the same file (everyone skipped)
and a short paced run that shows INVITATION_SEND_RATE at work (--paced-rate, 100 people).
Memory is flat when the growth does not follow --people (try 5000 against 20000).
"""

from __future__ import annotations

import argparse
import contextlib
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
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_csv(path: Path, people: int, *, prefix: str = "person") -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["institutional_id", "email", "given_names", "family_names"])
        for i in range(people):
            email = "not-an-address" if i % 101 == 0 else f"{prefix}{i}@example.edu"
            iid = f"{prefix}{i - 1 if i % 211 == 0 and i else i}"  # now and then the row above again
            writer.writerow([iid, email, f"Given{i}", f"Family{i}"])


def run(path: Path, *, rate: float, label: str, people: int) -> None:
    from django.core.management import call_command

    before = rss_mb()
    started = time.perf_counter()
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        call_command("invite_researchers", str(path), unit="library", rate=rate, no_progress=True, stdout=devnull,
                     skip_checks=True)
    elapsed = time.perf_counter() - started
    print(f"{label}: {people:,} rows in {elapsed:.1f}s = {people / elapsed:,.0f} rows/s; "
          f"memory growth {rss_mb() - before:+.1f} MB (peak RSS {peak_mb():.0f} MB)", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=0, help="emails/s for the big run (0: no limit)")
    parser.add_argument("--paced-rate", type=float, default=50)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-invitations-") as tmp:
        tmpdir = Path(tmp)
        os.environ["DATABASE_URL"] = f"sqlite:///{tmpdir / 'bench.sqlite3'}"
        os.environ.setdefault("PORTAL_ENV_FILE", "/nonexistent")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orcid_portal.settings")
        os.environ["PORTAL_VAR_DIR"] = str(tmpdir / "var")
        os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.console.EmailBackend"
        import django

        django.setup()
        from django.core.management import call_command

        from units.services import unit_create_or_update

        call_command("migrate", verbosity=0, skip_checks=True)
        unit_create_or_update(code="library", name="Library")
        path = tmpdir / "people.csv"
        make_csv(path, args.people)
        run(path, rate=args.rate, label="first run (emails sent)", people=args.people)
        run(path, rate=args.rate, label="second run (all skipped)", people=args.people)
        paced = tmpdir / "paced.csv"
        make_csv(paced, 100, prefix="paced")
        started = time.perf_counter()
        run(paced, rate=args.paced_rate, label=f"paced run at {args.paced_rate:g}/s", people=100)
        print(f"paced: ~{99 / (time.perf_counter() - started):.0f} emails/s for a limit of {args.paced_rate:g}/s",
              file=sys.stderr)


if __name__ == "__main__":
    main()
