"""The researcher's own pages, as on orcid.org: the home page, each record's page and what a
researcher does there (delete an item, change its visibility, revoke an organisation's access)."""

from __future__ import annotations

import urllib.parse

from orcid_simulator.errors import ApiError
from orcid_simulator.http_helpers import see_other


class ResearcherRoutes:
    """Mixed into `SimulatorApp`."""

    def on_home(self, request, context):
        from orcid_simulator import pages

        return pages.home_page(self.sim)

    # ---- the researcher's record page ---------------------------------------------------------------
    def on_record_page(self, request, context, orcid):
        from orcid_simulator import pages

        with self.sim.lock:
            record = self.sim.records.get(orcid)
            if record is None:
                return pages.error_page(f"There is no record {orcid} on this simulator.", 404)
            items = sorted(record.items.values(), key=lambda item: (item.kind, item.put_code))
            trusted = {
                token.client_id: self.sim.clients[token.client_id].name or token.client_id
                for token in self.sim.tokens.values()
                if token.orcid == orcid and token.status == "active" and token.client_id in self.sim.clients
            }
        return pages.record_page(record=record, items=items, trusted=sorted(trusted.items()),
                                 message=request.args.get("done", "")[:200])

    def _researcher_form_allowed(self, request) -> bool:
        # A browser sends Origin with a form POST: refuse posts made from other sites' pages.
        origin = request.headers.get("Origin")
        return origin is None or urllib.parse.urlsplit(origin).netloc == request.host

    def on_record_page_item(self, request, context, orcid, put_code):
        from orcid_simulator import pages

        if not self._researcher_form_allowed(request):
            return pages.error_page("This form must be sent from the simulator's own page.", 403)
        try:
            if request.form.get("delete"):
                self.sim.researcher_delete(orcid=orcid, put_code=put_code)
                done = f"Item {put_code} deleted."
            else:
                visibility = request.form.get("visibility", "")
                self.sim.researcher_set_visibility(orcid=orcid, put_code=put_code, visibility=visibility)
                done = f"Item {put_code} is now {visibility}."
        except ApiError:
            return pages.error_page(f"There is no item {put_code} on {orcid}.", 404)
        except ValueError as exc:
            return pages.error_page(str(exc), 400)
        return see_other(f"/{orcid}?done={urllib.parse.quote(done)}")

    def on_record_page_revoke(self, request, context, orcid):
        from orcid_simulator import pages

        if not self._researcher_form_allowed(request):
            return pages.error_page("This form must be sent from the simulator's own page.", 403)
        client_id = request.form.get("client_id", "")
        try:
            count = self.sim.revoke_by_researcher(orcid=orcid, client_id=client_id or None)
        except ApiError:
            return pages.error_page(f"There is no record {orcid} on this simulator.", 404)
        return see_other(f"/{orcid}?done={urllib.parse.quote(f'Access revoked ({count} token(s)).')}")
