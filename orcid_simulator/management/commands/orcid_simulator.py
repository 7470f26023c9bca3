"""`python manage.py orcid_simulator [--host 127.0.0.1] [--port 8090]`: serve the ORCID simulator
(OAuth pages and member API v3.0, plus the `/_simulator/` control interface) until interrupted."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from orcid_simulator.server import build_simulator, serve


class Command(BaseCommand):
    help = "Serve the ORCID member API v3.0 simulator (OAuth, API, /_simulator/ control interface)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=getattr(settings, "ORCID_SIMULATOR_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=getattr(settings, "ORCID_SIMULATOR_PORT", 8090))
        parser.add_argument("--rate", type=float, default=24.0,
                            help="requests per second allowed per client (ORCID: 24)")
        parser.add_argument("--burst", type=float, default=40.0, help="burst per client (ORCID: 40)")
        parser.add_argument("--latency-ms", default="0",
                            help="added latency on every ORCID call, 'N' or 'MIN-MAX' milliseconds")
        parser.add_argument("--error-rate", type=float, default=0.0,
                            help="probability of a random 5xx answer (fault injection)")
        parser.add_argument("--state-file", default=None,
                            help="keep the state in this JSON file across restarts (default: memory only)")
        parser.add_argument("--seed", type=int, default=None, help="random seed (iDs, codes, faults)")

    def handle(self, *args, **options) -> None:
        simulator = build_simulator(rate=options["rate"], burst=options["burst"], state_file=options["state_file"],
                                    seed=options["seed"])
        low, _, high = str(options["latency_ms"]).partition("-")
        simulator.faults.latency_ms = (int(low or 0), int(high or low or 0))
        simulator.faults.error_rate = options["error_rate"]
        url = f"http://{options['host']}:{options['port']}"
        self.stdout.write(f"ORCID simulator on {url} (demo client {simulator.demo_client_id}); "
                          f"control interface at {url}/_simulator/records. Ctrl-C to stop.")
        try:
            serve(host=options["host"], port=options["port"], simulator=simulator)
        except KeyboardInterrupt:
            pass
