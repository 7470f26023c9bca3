"""Benchmark of a rerun after kill -9 (issue 11: "an immediate rerun after kill -9 makes
progress within a minute").

    PORTAL_ENV_FILE=/nonexistent .venv/bin/python benchmarks/bench_crash_recovery.py
    PORTAL_ENV_FILE=/nonexistent .venv/bin/python benchmarks/bench_crash_recovery.py --researchers 50 --works 40

Starts the simulator in this process (ORCID's 24 requests/s limit), loads researchers with
approved works into a fresh SQLite file, runs `manage.py orcid_sync` as a subprocess and
SIGKILLs it while the simulator holds its first bulk POST (3 s latency, carried out after the
kill as ORCID would). Then it times the immediate rerun: the dead process's lock is taken over,
its run closed as interrupted, the committed works adopted and the rest written. Prints the
rerun's wall time and summary line, and checks every record for orphans and duplicates.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orcid_portal.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--researchers", type=int, default=20)
    parser.add_argument("--works", type=int, default=25)
    options = parser.parse_args()

    import orcid_simulator.app as simulator_app
    from orcid_simulator.testing import running_simulator
    from tests.fixtures.sync_process import InFlight, SyncProcessEnv, put_code_of

    in_flight = InFlight()
    simulator_app.time = in_flight  # know when the simulator holds the POST (see InFlight)
    with tempfile.TemporaryDirectory() as home, running_simulator() as simulator:
        env = SyncProcessEnv(simulator=simulator.control, url=simulator.url, home=Path(home), in_flight=in_flight)
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], cwd=ROOT, env=env.env(),
                       check=True, timeout=600)
        orcids = env.setup(researchers=options.researchers, works=options.works)
        env.simulator.set_faults(latency_ms=3000, methods=["POST"], paths=["/works"])
        process = env.start()
        env.wait_in_flight(process)
        env.kill(process)
        env.simulator.set_faults()

        started = time.monotonic()
        summary = env.sync()
        elapsed = time.monotonic() - started

        duplicates = orphans = 0
        ledger = {(i["orcid"], i["put_code"]) for i in env.items() if i["state"] == "on_orcid"}
        for orcid in orcids:
            codes = Counter(put_code_of(w) for w in env.orcid_works(orcid))
            duplicates += sum(n - 1 for n in codes.values())
            orphans += sum(1 for code in codes if (orcid, code) not in ledger)
        runs = [row[0] for row in env.sql("SELECT status FROM putcodes_syncrun ORDER BY id")]
    names = ("created", "updated", "deleted", "unchanged", "skipped", "failed")
    print(f"researchers={options.researchers} works={options.researchers * options.works}")
    print(f"rerun after kill -9: {elapsed:.1f} s; " + " ".join(f"{n}={v}" for n, v in zip(names, summary)))
    print(f"runs: {', '.join(runs)}; orphans={orphans} duplicates={duplicates}")


if __name__ == "__main__":
    main()
