"""The simulator's HTTP face: a werkzeug WSGI app serving ORCID's OAuth endpoints, the member
API v3.0 and the `/_simulator/` control interface, all on one port.

ORCID semantics live in `state/` (records, tokens, rules) and `validation/`; this module parses
requests, negotiates XML/JSON, applies faults and the per-client rate limit, and logs calls. The
handlers (`on_<endpoint>`) live in `routes/`, one module per job.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from typing import Any, Callable

from lxml import etree
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from orcid_simulator import rendering
from orcid_simulator.errors import ApiError, OAuthError
from orcid_simulator.http_helpers import (
    GATEWAY_PAGES, JSON_TYPE, RATE_LIMIT_PAGE, XML_TYPE, DropConnection, bearer, client_credentials, json_response,
)
from orcid_simulator.routes.activities import ActivityRoutes
from orcid_simulator.routes.control import ControlRoutes
from orcid_simulator.routes.notifications import NotificationRoutes
from orcid_simulator.routes.oauth import OAuthRoutes
from orcid_simulator.routes.researcher import ResearcherRoutes
from orcid_simulator.schema import NS, SchemaError, schema_model
from orcid_simulator.sections import SECTIONS
from orcid_simulator.state import Client, Faults, Simulator

logger = logging.getLogger(__name__)
# json.dumps's own settings, without its check for circular references (an answer is a tree of
# fresh dicts and lists): the same text, ~20% less CPU for a 100-work bulk answer (170 KB).
JSON_ENCODER = json.JSONEncoder(check_circular=False)

# HTML pages for people: no faults, latency or rate limit apply to them.
PAGE_ENDPOINTS = frozenset({"home", "record_page", "record_page_item", "record_page_revoke"})
# werkzeug's any() converter takes quoted names ("invited-position" has a dash).
_KINDS = ",".join(f"'{k}'" for k in SECTIONS if k != "work")
_PLURALS = ",".join(f"'{s.plural}'" for s in SECTIONS.values() if s.kind != "work")


def url_rules() -> list[Rule]:
    item_methods = ["GET", "PUT", "DELETE"]
    return [
        Rule("/oauth/authorize", endpoint="authorize", methods=["GET", "POST"]),
        Rule("/oauth/token", endpoint="token", methods=["POST", "GET"]),
        Rule("/oauth/revoke", endpoint="revoke", methods=["POST"]),
        Rule("/v3.0/<orcid>/work", endpoint="item_create", defaults={"kind": "work"}, methods=["POST"]),
        Rule("/v3.0/<orcid>/work/<put_code>", endpoint="item", defaults={"kind": "work"}, methods=item_methods),
        Rule("/v3.0/<orcid>/works", endpoint="works", methods=["GET", "POST"]),
        Rule("/v3.0/<orcid>/works/<put_codes>", endpoint="works_by_code", methods=["GET"]),
        Rule(f"/v3.0/<orcid>/<any({_KINDS}):kind>", endpoint="item_create", methods=["POST"]),
        Rule(f"/v3.0/<orcid>/<any({_KINDS}):kind>/<put_code>", endpoint="item", methods=item_methods),
        Rule(f"/v3.0/<orcid>/<any({_PLURALS}):plural>", endpoint="section", methods=["GET"]),
        Rule("/v3.0/<orcid>/record", endpoint="record", methods=["GET"]),
        Rule("/v3.0/<orcid>", endpoint="record", methods=["GET"]),
        Rule("/v3.0/<orcid>/activities", endpoint="activities", methods=["GET"]),
        Rule("/v3.0/<orcid>/notification-permission", endpoint="notification_create", methods=["POST"]),
        Rule("/v3.0/<orcid>/notification-permission/<put_code>", endpoint="notification", methods=["GET", "DELETE"]),
        Rule("/<orcid>/webhook/<path:callback>", endpoint="webhook", methods=["PUT", "DELETE"]),
        Rule("/v3.0/<orcid>/webhook/<path:callback>", endpoint="webhook", methods=["PUT", "DELETE"]),
        # Control interface (CONTRACT §6 and more).
        Rule("/_simulator/records", endpoint="ctl_records", methods=["GET", "POST"]),
        Rule("/_simulator/records/<orcid>", endpoint="ctl_record", methods=["GET"]),
        Rule("/_simulator/records/<orcid>/state", endpoint="ctl_record_state", methods=["GET", "PUT", "POST"]),
        Rule("/_simulator/records/<orcid>/items", endpoint="ctl_items", methods=["POST"]),
        Rule("/_simulator/records/<orcid>/items/<int:put_code>", endpoint="ctl_item", methods=["DELETE", "PATCH"]),
        Rule("/_simulator/records/<orcid>/items/<int:put_code>/visibility", endpoint="ctl_visibility",
             methods=["POST", "PUT"]),
        Rule("/_simulator/records/<orcid>/revoke", endpoint="ctl_revoke", methods=["POST"]),
        Rule("/_simulator/records/<orcid>/tokens", endpoint="ctl_tokens", methods=["POST"]),
        Rule("/_simulator/tokens/expire", endpoint="ctl_token_expire", methods=["POST"]),
        Rule("/_simulator/token-faults", endpoint="ctl_token_faults", methods=["GET", "PUT", "POST", "DELETE"]),
        Rule("/_simulator/organizations", endpoint="ctl_organizations", methods=["GET", "POST"]),
        Rule("/_simulator/clients", endpoint="ctl_clients", methods=["GET", "POST"]),
        Rule("/_simulator/faults", endpoint="ctl_faults", methods=["GET", "PUT", "POST", "DELETE"]),
        Rule("/_simulator/rate-limit", endpoint="ctl_rate_limit", methods=["GET", "PUT", "POST"]),
        Rule("/_simulator/calls", endpoint="ctl_calls", methods=["GET", "DELETE"]),
        Rule("/_simulator/webhooks/sent", endpoint="ctl_webhooks_sent", methods=["GET", "DELETE"]),
        Rule("/_simulator/reset", endpoint="ctl_reset", methods=["POST"]),
        Rule("/", endpoint="home", methods=["GET"]),
        # The researcher's own view of their record, as on orcid.org (HTML).
        Rule("/<orcid>", endpoint="record_page", methods=["GET"]),
        Rule("/<orcid>/researcher/items/<int:put_code>", endpoint="record_page_item", methods=["POST"]),
        Rule("/<orcid>/researcher/revoke", endpoint="record_page_revoke", methods=["POST"]),
    ]


class SimulatorApp(ActivityRoutes, NotificationRoutes, OAuthRoutes, ResearcherRoutes, ControlRoutes):
    def __init__(self, simulator: Simulator) -> None:
        self.sim = simulator
        self.schema = schema_model()
        self.url_map = Map(url_rules(), strict_slashes=False)

    # ---- WSGI -------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        request = Request(environ)
        started = time.monotonic()
        control = request.path.startswith("/_simulator")
        context: dict[str, Any] = {"client_id": None, "fault": None}
        try:
            response = self.dispatch(request, context, control)
        except DropConnection:
            self._log(request, context, None, started, "dropped")
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            # werkzeug treats a ConnectionError from the app as a dropped connection: no answer.
            raise ConnectionResetError("simulated: answer lost after commit")
        if not control:
            self._log(request, context, response.status_code, started, context.get("fault"))
        if request.method != "GET" and self.sim.state_file is not None:
            # Tokens, codes and records made by this call survive a restart too.
            self.sim.save()
        return response(environ, start_response)

    def _log(self, request: Request, context: dict, status: int | None, started: float, fault: str | None) -> None:
        self.sim.log_call({
            "method": request.method,
            "path": request.path,
            "status": status,
            "client_id": context.get("client_id"),
            "time": time.time(),
            "duration_ms": round((time.monotonic() - started) * 1000, 1),
            "fault": fault,
        })

    def dispatch(self, request: Request, context: dict, control: bool) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except HTTPException as exc:
            if control:
                return json_response({"error": exc.name}, exc.code or 404)
            if isinstance(exc, NotFound):
                return self._api_error(request, ApiError(9016, detail=f"No such endpoint: {request.path}"))
            return self._api_error(request, ApiError(9001, http_status=exc.code))
        if not control and endpoint not in PAGE_ENDPOINTS:
            fault = self._fault(request, context)
            if fault is not None:
                return fault
        handler: Callable[..., Response] = getattr(self, f"on_{endpoint}")
        try:
            response = handler(request, context, **args)
        except ApiError as error:
            return self._api_error(request, error)
        except OAuthError as error:
            return json_response(error.body(), error.status)
        except (ValueError, TypeError, IndexError) as error:
            if not control:
                raise
            # e.g. {"error_rate": "abc"} or {"latency_ms": [5]}: the control interface answers JSON.
            return json_response({"error": f"invalid value: {error}"}, 400)
        if (not control and request.method == "POST" and 200 <= response.status_code < 300
                and context.get("drop_after_commit")):
            raise DropConnection()
        return response

    # ---- faults and rate limit ---------------------------------------------------------------
    def _fault(self, request: Request, context: dict) -> Response | None:
        faults: Faults = self.sim.faults
        applies = faults.applies(request.method, request.path)
        if applies and faults.latency_ms[1] > 0:
            low, high = faults.latency_ms
            time.sleep(self.sim.rng.uniform(low, max(low, high)) / 1000)
        client = self._calling_client(request)
        context["client_id"] = client.client_id if client else None
        if applies:
            with self.sim.lock:
                burst = faults.rate_limit_burst > 0
                if burst:
                    faults.rate_limit_burst -= 1
            if burst:
                context["fault"] = "503-burst"
                return Response(RATE_LIMIT_PAGE, 503, content_type="text/html")
            if faults.error_rate and self.sim.rng.random() < faults.error_rate:
                status = self.sim.rng.choice(faults.error_statuses)
                context["fault"] = f"random-{status}"
                if status == 500:
                    return Response(json.dumps({
                        "response-code": 500, "developer-message": "Something went wrong in ORCID.",
                        "user-message": "Something went wrong in ORCID.", "error-code": 9008,
                        "more-info": "https://members.orcid.org/api/resources/troubleshooting"}),
                        500, content_type="application/json")
                if status == 503:
                    return Response(RATE_LIMIT_PAGE, 503, content_type="text/html")
                return Response(GATEWAY_PAGES[status], status, content_type="text/html")
            if request.method == "POST" and faults.drop_after_commit_rate and \
                    self.sim.rng.random() < faults.drop_after_commit_rate:
                context["drop_after_commit"] = True
        if client is not None:
            with self.sim.lock:
                allowed = client.bucket.take()
            if not allowed:
                context["fault"] = "rate-limited"
                return Response(RATE_LIMIT_PAGE, 503, content_type="text/html")
        return None

    def _calling_client(self, request: Request) -> Client | None:
        token_value = bearer(request)
        if token_value:
            token = self.sim.tokens.get(token_value)
            return self.sim.clients.get(token.client_id) if token else None
        client_id, _ = client_credentials(request)
        if not client_id:
            client_id = request.args.get("client_id")
        return self.sim.clients.get(client_id or "")

    # ---- content negotiation ----------------------------------------------------------------
    def _wants_json(self, request: Request) -> bool:
        accept = request.headers.get("Accept", "")
        if "json" in accept and ("xml" not in accept or accept.index("json") < accept.index("xml")):
            return True
        return False

    def _content_type(self, request: Request) -> str:
        accept = request.headers.get("Accept", "")
        if self._wants_json(request):
            return "application/json; charset=UTF-8" if "vnd.orcid" not in accept else JSON_TYPE
        return "application/xml; charset=UTF-8" if "application/xml" in accept else XML_TYPE

    def _answer(self, request: Request, element: etree._Element, decl: tuple[str, str], status: int = 200,
                headers: dict | None = None) -> Response:
        if self._wants_json(request):
            return self._answer_json(request, self.schema.xml_to_json(element, self.schema.element(*decl)),
                                     status, headers)
        body = etree.tostring(element, xml_declaration=True, encoding="UTF-8", standalone=True)
        return Response(body, status, headers=headers, content_type=self._content_type(request))

    def _answer_json(self, request: Request, data: object, status: int = 200, headers: dict | None = None) -> Response:
        return Response(JSON_ENCODER.encode(data), status, headers=headers, content_type=self._content_type(request))

    def _api_error(self, request: Request, error: ApiError, context: dict | None = None) -> Response:
        if "clientName" not in error.params:
            # ORCID names the calling client in its user messages ("please contact X").
            client = self._calling_client(request)
            if client is not None:
                error.params["clientName"] = client.name
        headers = error.headers or None  # a deprecated record's Location
        if self._wants_json(request):
            return Response(json.dumps(error.body()), error.status, headers=headers,
                            content_type=self._content_type(request))
        element = rendering.error_element(error)
        body = etree.tostring(element, xml_declaration=True, encoding="UTF-8", standalone=True)
        return Response(body, error.status, headers=headers, content_type=self._content_type(request))

    def _parse_body(self, request: Request, root: tuple[str, str]) -> tuple[etree._Element, str]:
        """The request body as an XML element of `root` (XML as sent, JSON converted) and its
        format ("xml" or "json"); not yet validated. Raises ApiError 9001 for a body that is not
        XML or JSON of that element."""
        raw = request.get_data(cache=True)
        content_type = (request.headers.get("Content-Type") or "").lower()
        if not raw.strip():
            if "json" in content_type:
                # OrcidJacksonJaxbJsonProvider: nothing read is InvalidJSONException (9047).
                raise ApiError(9047, detail="Couldn't read object, data seems to be empty or invalid")
            raise ApiError(9001, detail="The request body is empty")
        if "json" in content_type or (not content_type and raw.lstrip()[:1] in (b"{", b"[")):
            try:
                data = json.loads(raw)
            except (ValueError, UnicodeDecodeError) as exc:
                raise ApiError(9001, detail=f"Invalid JSON: {exc}") from None
            try:
                element = self.schema.json_to_xml(data, self.schema.element(*root))
            except SchemaError as exc:
                # Jackson's JsonMappingException (an unknown field, a list for an object):
                # OrcidJacksonJaxbJsonProvider answers InvalidJSONException, 400 9047.
                raise ApiError(9047, detail=str(exc)) from None
            fmt = "json"
        elif "xml" in content_type or not content_type:
            try:
                parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
                element = etree.fromstring(raw, parser)
            except etree.XMLSyntaxError as exc:
                raise ApiError(9001, detail=str(exc)) from None
            fmt = "xml"
        else:
            raise ApiError(9001, detail=f"Unsupported media type {content_type}", http_status=415)
        expected = f"{{{NS[root[0]]}}}{root[1]}"
        if element.tag != expected:
            raise ApiError(9001, detail=f"unexpected element {element.tag} (expected {expected})")
        return element, fmt

    def _check(self, kind: str, element: etree._Element, fmt: str, *, create: bool, original: str | None,
               schema_valid: bool = False) -> None:
        """Validate as ORCID does. XML is unmarshalled against the XSD first (OrcidValidation-
        JaxbContextResolver), so a structural fault is 9001 before any rule runs; JSON is read by
        Jackson without the XSD, so ActivityValidator's rules answer first (a JSON work without
        a title is 9022, without a type 9037) and the XSD then catches what Jackson would.
        `schema_valid` (JSON): the element is known to pass the XSD (its whole bulk did)."""
        if fmt == "xml":
            # libxml2 does not collapse whitespace in xs:dateTime extensions as Xerces (ORCID)
            # does (schemas/orcid-model/SOURCE.md): a pretty-printed date read back from ORCID
            # must still validate. ORCID ignores these dates in a request anyway.
            for date in element.iter(f"{{{NS['common']}}}created-date", f"{{{NS['common']}}}last-modified-date"):
                if date.text:
                    date.text = date.text.strip()
            self._schema_check(element, kind, fmt)
            self._validate(kind, element, create=create, original=original)
        else:
            try:
                self._validate(kind, element, create=create, original=original)
            except ApiError:
                raise
            except Exception as exc:  # a shape the rules cannot read: the XSD says why
                logger.debug("rule check failed on malformed JSON: %r", exc)
            if not schema_valid:
                self._schema_check(element, kind, fmt)

    def _schema_check(self, element: etree._Element, kind: str, fmt: str = "xml") -> None:
        """XML failing the XSD is JAXB's unmarshalling error (9001); JSON failing it is
        JSONInputValidator's InvalidJSONException (9047)."""
        try:
            self.schema.validate(element, kind)
        except SchemaError as exc:
            raise ApiError(9047 if fmt == "json" else 9001, detail=str(exc)) from None
