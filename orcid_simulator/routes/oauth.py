"""ORCID's OAuth endpoints: /oauth/authorize (sign-in and consent), /oauth/token, /oauth/revoke."""

from __future__ import annotations

from werkzeug.wrappers import Response

from orcid_simulator.errors import OAuthError
from orcid_simulator.http_helpers import GATEWAY_PAGES, RATE_LIMIT_PAGE, client_credentials, json_response, redirect
from orcid_simulator.state import USER_SCOPES


class OAuthRoutes:
    """Mixed into `SimulatorApp`."""

    def _token_fault(self, grant: str) -> Response | None:
        """A switched-on token endpoint fault (POST /_simulator/token-faults) for this call, if any:
        ORCID's authorisation server answers 401 {"error": "server_error"} when it throws."""
        faults = self.sim.token_faults
        with self.sim.lock:
            if faults.count <= 0 or (faults.grant_types and grant not in faults.grant_types):
                return None
            faults.count -= 1
            status = faults.status
        if status in (401, 500):
            return json_response({"error": "server_error", "error_description": "Internal Server Error"}, status)
        if status == 503:
            return Response(RATE_LIMIT_PAGE, 503, content_type="text/html")
        return Response(GATEWAY_PAGES.get(status, GATEWAY_PAGES[502]), status, content_type="text/html")

    # ---- OAuth --------------------------------------------------------------------------------------
    def on_token(self, request, context):
        if request.method == "GET":
            raise OAuthError(405, "method_not_allowed",
                             "Method GET is not supported for token requests. POST IS supported, but BASIC "
                             "authentication is the preferred method of authenticating clients.")
        client_id, secret = client_credentials(request)
        client = self.sim.client_check(client_id, secret)
        context["client_id"] = client.client_id
        grant = request.form.get("grant_type", "")
        fault = self._token_fault(grant)
        if fault is not None:
            context["fault"] = f"token-{fault.status_code}"
            return fault
        if grant == "authorization_code":
            body = self.sim.grant_authorization_code(client=client, code=request.form.get("code", ""),
                                                     redirect_uri=request.form.get("redirect_uri"))
        elif grant == "refresh_token":
            body = self.sim.grant_refresh_token(
                client=client, refresh_token=request.form.get("refresh_token", ""),
                scope=request.form.get("scope"),
                revoke_old=request.form.get("revoke_old", "false").lower() == "true")
        elif grant == "client_credentials":
            body = self.sim.grant_client_credentials(client=client, scope=request.form.get("scope", ""))
        else:
            raise OAuthError(400, "unsupported_grant_type", f"Unsupported grant type: {grant}")
        return json_response(body, 200)

    def on_revoke(self, request, context):
        client_id, secret = client_credentials(request)
        client = self.sim.client_check(client_id, secret)
        context["client_id"] = client.client_id
        self.sim.revoke_by_client(client=client, token_value=request.form.get("token", ""))
        return Response(b"", 200)

    def on_authorize(self, request, context):
        from orcid_simulator import pages

        params = request.values
        client = self.sim.clients.get(params.get("client_id", ""))
        redirect_uri = params.get("redirect_uri", "")
        if client is None:
            return pages.error_page("This application is not known to ORCID (invalid client_id).", 400)
        if not self.sim.redirect_allowed(client, redirect_uri):
            return pages.error_page("The redirect URI does not match the application's registered redirect URIs.",
                                    400)
        state = params.get("state")
        if params.get("response_type", "code") != "code":
            return redirect(redirect_uri, {"error": "unsupported_response_type",
                                           "error_description": "Unsupported response types: "
                                                                f"[{params.get('response_type')}]",
                                           "state": state})
        try:
            scopes = self.sim.parse_scopes(params.get("scope", "/authenticate"), USER_SCOPES)
        except OAuthError as error:
            return redirect(redirect_uri, {"error": error.error, "error_description": error.description,
                                           "state": state})
        if request.method == "GET":
            with self.sim.lock:
                records = [(r.orcid, r.name) for r in self.sim.records.values()]
            return pages.consent_page(client=client, scopes=scopes, params=params, records=records)
        action = request.form.get("action")
        if action != "authorize":
            return redirect(redirect_uri, {"error": "access_denied",
                                           "error_description": "User denied access", "state": state})
        if request.form.get("account") == "existing" or (request.form.get("orcid") and
                                                          request.form.get("account") != "new"):
            orcid = request.form.get("orcid", "")
            if orcid not in self.sim.records:
                return pages.error_page("No such ORCID record.", 400)
        else:
            record = self.sim.create_record(given_names=request.form.get("given_names", "").strip(),
                                            family_name=request.form.get("family_name", "").strip())
            orcid = record.orcid
        code = self.sim.issue_code(client=client, orcid=orcid, scopes=scopes, redirect_uri=redirect_uri)
        return redirect(redirect_uri, {"code": code, "state": state})
