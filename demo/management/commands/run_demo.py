"""`manage.py run_demo`: the whole portal on one machine, for `make run`.

Starts the ORCID simulator (its state kept in .var/ so restarts keep the demo's records),
gives each demo researcher an ORCID record holding works from other sources (so the
curation page shows duplicates), runs the sync schedule in-process (no broker needed:
`orcid_scheduler`), and serves the portal until Ctrl-C, which stops everything.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from orcid_simulator.testing import SimulatorControl

from .demo_data import DEMO_USERS

DATA_DIR = Path(__file__).resolve().parents[2] / "data"


class Command(BaseCommand):
    help = "Run the ORCID simulator, the in-process sync scheduler and the portal (the embedded demo)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="where the portal listens")

    def handle(self, *args, **options) -> None:
        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
        children: list[subprocess.Popen] = []
        simulator_url = settings.ORCID_API_URL
        try:
            if self._is_builtin_simulator():
                settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
                children.append(subprocess.Popen([
                    *manage, "orcid_simulator",
                    "--host", settings.ORCID_SIMULATOR_HOST, "--port", str(settings.ORCID_SIMULATOR_PORT),
                    "--state-file", str(settings.VAR_DIR / "simulator-state.json"),
                ]))
                self._wait_for(simulator_url + "/_simulator/records", children[-1])
                self._seed_simulator(SimulatorControl(simulator_url))
            children.append(subprocess.Popen([*manage, "orcid_scheduler"]))
            portal = subprocess.Popen([*manage, "runserver", options["addr"], "--noreload"])
            children.append(portal)
            self._wait_for(f"http://{options['addr']}/login/", portal)
            self._print_welcome(options["addr"], simulator_url)
            signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            failed = [child.args[2] for child in children if child.poll() not in (None, 0)]
            if failed:
                raise CommandError(f"stopped because {', '.join(failed)} exited")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping the demo.")
        finally:
            for child in reversed(children):
                if child.poll() is None:
                    child.terminate()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()

    @staticmethod
    def _is_builtin_simulator() -> bool:
        default = f"http://{settings.ORCID_SIMULATOR_HOST}:{settings.ORCID_SIMULATOR_PORT}"
        return settings.ORCID_API_URL == default and settings.ORCID_BASE_URL == default

    @staticmethod
    def _wait_for(url: str, process: subprocess.Popen, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise CommandError(f"{' '.join(process.args[1:3])} exited with status {process.returncode}")
            try:
                requests.get(url, timeout=2)
                return
            except requests.ConnectionError:
                time.sleep(0.3)
        raise CommandError(f"{url} did not answer within {timeout:.0f} s")

    def _seed_simulator(self, control: SimulatorControl) -> None:
        """Give each demo researcher a record with works from other sources (once: the state persists)."""
        seeds = json.loads((DATA_DIR / "orcid_records.json").read_text())["records"]
        existing = {record.get("name") for record in control.records()}
        for seed in seeds:
            if seed["name"] in existing:
                continue
            record = control.create_record(seed["name"])
            for work in seed["works"]:
                control.add_item(record["orcid"], kind="work", source_name=work["source"], body={
                    "type": work["type"],
                    "title": {"title": {"value": work["title"]}},
                    "publication-date": {"year": {"value": str(work["year"])}},
                    "external-ids": {"external-id": [{
                        "external-id-type": "doi", "external-id-value": work["doi"],
                        "external-id-relationship": "self",
                    }]},
                })
            self.stdout.write(f"Simulator: {seed['name']} has ORCID record {record['orcid']}.")

    def _print_welcome(self, addr: str, simulator_url: str) -> None:
        logins = "\n".join(
            f"    {username:<10} / {password:<15} {'(admin)' if superuser else '(unit staff)' if staff else '(researcher)'}"
            for username, password, _first, _last, staff, superuser, _units in DEMO_USERS
        )
        self.stdout.write(self.style.SUCCESS(f"""
The portal is running.
  Portal:          http://{addr}/
  Admin:           http://{addr}/admin/
  ORCID simulator: {simulator_url}/  (ORCID's pages, records and API, offline)

Demo logins (institutional ID / password):
{logins}

Try it: sign in as ada, connect your ORCID iD (on the simulator's page choose the existing
record 'Ada Lovelace', then authorize), approve works on 'My works', then 'Sync with ORCID now'
(or wait for the schedule). Your iD's link opens the record on the simulator, with the works and
their put-codes; as admin, the same put-codes are in admin -> ORCID items.
Ctrl-C stops everything.
"""))
