"""The simulator's HTTP face: a werkzeug WSGI app serving ORCID's OAuth endpoints, the member
API v3.0 and the `/_simulator/` control interface, all on one port.

ORCID semantics live in `state.py` (records, tokens, rules) and `validation.py`; this module parses
requests, negotiates XML/JSON, applies faults and the per-client rate limit, and logs calls.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import time
import urllib.parse
from typing import Any, Callable

from lxml import etree
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from orcid_simulator import rendering
from orcid_simulator.errors import BULK_LIMIT, BULK_LIMIT_DETAIL, MAX_PUT_CODES, ApiError, OAuthError
from orcid_simulator.schema import NS, SchemaError, schema_model
from orcid_simulator.state import (
    DEFAULT_SCOPES,
    USER_SCOPES,
    Client,
    Faults,
    Item,
    Simulator,
    Token,
)
from orcid_simulator.validation import check_employment, check_work

logger = logging.getLogger(__name__)

XML_TYPE = "application/vnd.orcid+xml; charset=UTF-8"
JSON_TYPE = "application/vnd.orcid+json; charset=UTF-8"
# nginx's page in front of ORCID's API when a client goes past its request rate.
RATE_LIMIT_PAGE = (
    "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
    "<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
GATEWAY_PAGES = {
    502: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
         "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
    504: "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway "
         "Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
}
ROOTS = {"work": ("work", "work"), "employment": ("employment", "employment")}
UPDATE_SCOPES = {"/activities/update"}
READ_SCOPES = {"/read-limited", "/activities/update", "/activities/read-limited", "/read-public"}


class DropConnection(Exception):
    """The write is committed; close the socket without answering (a lost answer)."""


# HTML pages for people: no faults, latency or rate limit apply to them.
PAGE_ENDPOINTS = frozenset({"home", "record_page", "record_page_item", "record_page_revoke"})


class SimulatorApp:
    def __init__(self, simulator: Simulator) -> None:
        self.sim = simulator
        self.schema = schema_model()
        self.url_map = Map(
            [
                Rule("/oauth/authorize", endpoint="authorize", methods=["GET", "POST"]),
                Rule("/oauth/token", endpoint="token", methods=["POST", "GET"]),
                Rule("/oauth/revoke", endpoint="revoke", methods=["POST"]),
                Rule("/v3.0/<orcid>/work", endpoint="work_create", methods=["POST"]),
                Rule("/v3.0/<orcid>/work/<put_code>", endpoint="work_item", methods=["GET", "PUT", "DELETE"]),
                Rule("/v3.0/<orcid>/works", endpoint="works", methods=["GET", "POST"]),
                Rule("/v3.0/<orcid>/works/<put_codes>", endpoint="works_by_code", methods=["GET"]),
                Rule("/v3.0/<orcid>/employment", endpoint="employment_create", methods=["POST"]),
                Rule("/v3.0/<orcid>/employment/<put_code>", endpoint="employment_item",
                     methods=["GET", "PUT", "DELETE"]),
                Rule("/v3.0/<orcid>/employments", endpoint="employments", methods=["GET"]),
                Rule("/v3.0/<orcid>/record", endpoint="record", methods=["GET"]),
                Rule("/v3.0/<orcid>", endpoint="record", methods=["GET"]),
                Rule("/v3.0/<orcid>/activities", endpoint="activities", methods=["GET"]),
                Rule("/<orcid>/webhook/<path:callback>", endpoint="webhook", methods=["PUT", "DELETE"]),
                Rule("/v3.0/<orcid>/webhook/<path:callback>", endpoint="webhook", methods=["PUT", "DELETE"]),
                # Control interface (CONTRACT §6 and more).
                Rule("/_simulator/records", endpoint="ctl_records", methods=["GET", "POST"]),
                Rule("/_simulator/records/<orcid>", endpoint="ctl_record", methods=["GET"]),
                Rule("/_simulator/records/<orcid>/items", endpoint="ctl_items", methods=["POST"]),
                Rule("/_simulator/records/<orcid>/items/<int:put_code>", endpoint="ctl_item",
                     methods=["DELETE", "PATCH"]),
                Rule("/_simulator/records/<orcid>/items/<int:put_code>/visibility", endpoint="ctl_visibility",
                     methods=["POST", "PUT"]),
                Rule("/_simulator/records/<orcid>/revoke", endpoint="ctl_revoke", methods=["POST"]),
                Rule("/_simulator/records/<orcid>/tokens", endpoint="ctl_tokens", methods=["POST"]),
                Rule("/_simulator/tokens/expire", endpoint="ctl_token_expire", methods=["POST"]),
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
            ],
            strict_slashes=False,
        )

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
                return _json({"error": exc.name}, exc.code or 404)
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
            return _json(error.body(), error.status)
        except (ValueError, TypeError, IndexError) as error:
            if not control:
                raise
            # e.g. {"error_rate": "abc"} or {"latency_ms": [5]}: the control interface answers JSON.
            return _json({"error": f"invalid value: {error}"}, 400)
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
                status = self.sim.rng.choice([500, 502, 503, 504])
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
        token_value = _bearer(request)
        if token_value:
            token = self.sim.tokens.get(token_value)
            return self.sim.clients.get(token.client_id) if token else None
        client_id, _ = _client_credentials(request)
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
            data = self.schema.xml_to_json(element, self.schema.element(*decl))
            body = json.dumps(data)
        else:
            body = etree.tostring(element, xml_declaration=True, encoding="UTF-8", standalone=True)
        return Response(body, status, headers=headers, content_type=self._content_type(request))

    def _api_error(self, request: Request, error: ApiError, context: dict | None = None) -> Response:
        if "clientName" not in error.params:
            # ORCID names the calling client in its user messages ("please contact X").
            client = self._calling_client(request)
            if client is not None:
                error.params["clientName"] = client.name
        if self._wants_json(request):
            return Response(json.dumps(error.body()), error.status, content_type=self._content_type(request))
        element = rendering.error_element(error)
        body = etree.tostring(element, xml_declaration=True, encoding="UTF-8", standalone=True)
        return Response(body, error.status, content_type=self._content_type(request))

    def _parse_body(self, request: Request, root: tuple[str, str]) -> tuple[etree._Element, str]:
        """The request body as an XML element of `root` (XML as sent, JSON converted) and its
        format ("xml" or "json"); not yet validated. Raises ApiError 9001 for a body that is not
        XML or JSON of that element."""
        raw = request.get_data(cache=True)
        if not raw.strip():
            raise ApiError(9001, detail="The request body is empty")
        content_type = (request.headers.get("Content-Type") or "").lower()
        if "json" in content_type or (not content_type and raw.lstrip()[:1] in (b"{", b"[")):
            try:
                data = json.loads(raw)
            except (ValueError, UnicodeDecodeError) as exc:
                raise ApiError(9001, detail=f"Invalid JSON: {exc}") from None
            try:
                element = self.schema.json_to_xml(data, self.schema.element(*root))
            except SchemaError as exc:
                raise ApiError(9001, detail=str(exc)) from None
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

    def _check(self, kind: str, element: etree._Element, fmt: str, *, create: bool, original: str | None) -> None:
        """Validate as ORCID does. XML is unmarshalled against the XSD first (OrcidValidation-
        JaxbContextResolver), so a structural fault is 9001 before any rule runs; JSON is read by
        Jackson without the XSD, so ActivityValidator's rules answer first (a JSON work without
        a title is 9022, without a type 9037) and the XSD then catches what Jackson would."""
        if fmt == "xml":
            # libxml2 does not collapse whitespace in xs:dateTime extensions as Xerces (ORCID)
            # does (schemas/orcid-model/SOURCE.md): a pretty-printed date read back from ORCID
            # must still validate. ORCID ignores these dates in a request anyway.
            for date in element.iter(f"{{{NS['common']}}}created-date", f"{{{NS['common']}}}last-modified-date"):
                if date.text:
                    date.text = date.text.strip()
            self._schema_check(element, kind)
            self._validate(kind, element, create=create, original=original)
        else:
            try:
                self._validate(kind, element, create=create, original=original)
            except ApiError:
                raise
            except Exception as exc:  # a shape the rules cannot read: the XSD says why
                logger.debug("rule check failed on malformed JSON: %r", exc)
            self._schema_check(element, kind)

    def _schema_check(self, element: etree._Element, kind: str) -> None:
        try:
            self.schema.validate(element, kind)
        except SchemaError as exc:
            raise ApiError(9001, detail=str(exc)) from None

    # ---- authentication and scope checks --------------------------------------------------------
    def _token(self, request: Request, orcid: str, *, write: bool) -> tuple[Token, Client]:
        token = self.sim.authenticate(_bearer(request), request.method)
        client = self.sim.clients[token.client_id]
        if token.orcid is not None and token.orcid != orcid:
            raise ApiError(9017)
        needed = UPDATE_SCOPES if write else READ_SCOPES
        if not (token.scopes & needed) and not (not write and token.orcid == orcid):
            raise ApiError(9038)
        if token.orcid is None and write:
            raise ApiError(9038)
        self.sim.record(orcid)
        return token, client

    def _put_code(self, value: str) -> int:
        try:
            put_code = int(value)
        except ValueError:
            raise ApiError(9034) from None
        if put_code <= 0:
            raise ApiError(9034)
        return put_code

    def _validate(self, kind: str, element: etree._Element, *, create: bool, original: str | None) -> None:
        if kind == "work":
            check_work(element, create=create, original_visibility=original)
        else:
            check_employment(element, create=create, original_visibility=original)

    # ---- member API: items ------------------------------------------------------------------------
    def _create(self, request: Request, context: dict, orcid: str, kind: str) -> Response:
        token, client = self._token(request, orcid, write=True)
        element, fmt = self._parse_body(request, ROOTS[kind])
        self._check(kind, element, fmt, create=True, original=None)
        item = self.sim.create_item(orcid=orcid, kind=kind, body=element, client=client)
        location = f"{request.host_url.rstrip('/')}/v3.0/{orcid}/{kind}/{item.put_code}"
        return Response(b"", 201, headers={"Location": location})

    def _item(self, request: Request, context: dict, orcid: str, put_code: str, kind: str) -> Response:
        write = request.method in ("PUT", "DELETE")
        token, client = self._token(request, orcid, write=write)
        if request.method == "PUT":
            element, fmt = self._parse_body(request, ROOTS[kind])
            body_code = element.get("put-code")
            if body_code is None or body_code.strip() != put_code:
                raise ApiError(9019, params={"urlPutCode": put_code, "bodyPutCode": str(body_code),
                                             "clientName": client.name})
            code = self._put_code(put_code)
            existing = self.sim.item(orcid=orcid, kind=kind, put_code=code)
            self._check(kind, element, fmt, create=False, original=existing.visibility)
            item = self.sim.update_item(orcid=orcid, kind=kind, put_code=code, body=element, client=client)
            return self._answer(request, rendering.item_element(item), ROOTS[kind])
        code = self._put_code(put_code)
        if request.method == "DELETE":
            self.sim.delete_item(orcid=orcid, kind=kind, put_code=code, client=client)
            return Response(b"", 204)
        item = self.sim.item(orcid=orcid, kind=kind, put_code=code)
        if not self.sim.visible_to(item, token):
            raise ApiError(9013)
        return self._answer(request, rendering.item_element(item), ROOTS[kind])

    def _visible(self, orcid: str, kind: str, token: Token) -> list[Item]:
        with self.sim.lock:
            record = self.sim.record(orcid)
            return [i for i in record.items.values() if i.kind == kind and self.sim.visible_to(i, token)]

    def on_work_create(self, request, context, orcid):
        return self._create(request, context, orcid, "work")

    def on_employment_create(self, request, context, orcid):
        return self._create(request, context, orcid, "employment")

    def on_work_item(self, request, context, orcid, put_code):
        return self._item(request, context, orcid, put_code, "work")

    def on_employment_item(self, request, context, orcid, put_code):
        return self._item(request, context, orcid, put_code, "employment")

    def on_works(self, request, context, orcid):
        if request.method == "POST":
            return self._bulk(request, orcid)
        token, _ = self._token(request, orcid, write=False)
        record = self.sim.record(orcid)
        return self._answer(request, rendering.works_element(record, self._visible(orcid, "work", token)),
                            ("activities", "works"))

    def _bulk(self, request: Request, orcid: str) -> Response:
        token, client = self._token(request, orcid, write=True)
        bulk, fmt = self._parse_body(request, ("bulk", "bulk"))
        works = [child for child in bulk if isinstance(child.tag, str)]
        if len(works) > BULK_LIMIT:
            raise ApiError(9006, detail=BULK_LIMIT_DETAIL.format(BULK_LIMIT))
        elements: list[etree._Element | ApiError] = []
        for work in works:
            # ORCID validates each work of a bulk on its own and answers an error in its place.
            try:
                if work.tag != f"{{{NS['work']}}}work":
                    raise ApiError(9001, detail=f"unexpected element {work.tag}")
                self._check("work", work, fmt, create=True, original=None)
                elements.append(work)
            except ApiError as error:
                elements.append(error)
        results = self.sim.create_items_bulk(orcid=orcid, elements=elements, client=client)
        for result in results:
            if isinstance(result, ApiError):
                result.params.setdefault("clientName", client.name)
        return self._answer(request, rendering.bulk_element(results), ("bulk", "bulk"))

    def on_works_by_code(self, request, context, orcid, put_codes):
        token, _ = self._token(request, orcid, write=False)
        codes = [c for c in put_codes.split(",") if c.strip()]
        if len(codes) > MAX_PUT_CODES:
            raise ApiError(9042)
        results: list[Item | ApiError] = []
        for raw in codes:
            try:
                item = self.sim.item(orcid=orcid, kind="work", put_code=self._put_code(raw.strip()))
                if not self.sim.visible_to(item, token):
                    raise ApiError(9013)
                results.append(item)
            except ApiError as error:
                results.append(error)
        return self._answer(request, rendering.bulk_element(results), ("bulk", "bulk"))

    def on_employments(self, request, context, orcid):
        token, _ = self._token(request, orcid, write=False)
        record = self.sim.record(orcid)
        return self._answer(request,
                            rendering.employments_element(record, self._visible(orcid, "employment", token)),
                            ("activities", "employments"))

    def on_record(self, request, context, orcid):
        token, _ = self._token(request, orcid, write=False)
        record = self.sim.record(orcid)
        element = rendering.record_element(record, self._visible(orcid, "work", token),
                                           self._visible(orcid, "employment", token))
        return self._answer(request, element, ("record", "record"))

    def on_activities(self, request, context, orcid):
        token, _ = self._token(request, orcid, write=False)
        record = self.sim.record(orcid)
        element = rendering.record_element(record, self._visible(orcid, "work", token),
                                           self._visible(orcid, "employment", token))
        summary = element.find("activities:activities-summary", NS)
        return self._answer(request, summary, ("activities", "activities-summary"))

    # ---- webhooks ---------------------------------------------------------------------------------
    def on_webhook(self, request, context, orcid, callback):
        token = self.sim.authenticate(_bearer(request), request.method)
        client = self.sim.clients[token.client_id]
        if "/webhook" not in token.scopes:
            raise ApiError(9038)
        url = urllib.parse.unquote(callback)
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ApiError(9012, detail=f"Webhook uri: {url} is syntactically incorrect")
        if request.method == "DELETE":
            self.sim.webhook_unregister(orcid=orcid, url=url, client=client)
            return Response(b"", 204)
        created = self.sim.webhook_register(orcid=orcid, url=url, client=client)
        return Response(b"", 201 if created else 204)

    # ---- OAuth --------------------------------------------------------------------------------------
    def on_token(self, request, context):
        if request.method == "GET":
            raise OAuthError(405, "method_not_allowed",
                             "Method GET is not supported for token requests. POST IS supported, but BASIC "
                             "authentication is the preferred method of authenticating clients.")
        client_id, secret = _client_credentials(request)
        client = self.sim.client_check(client_id, secret)
        context["client_id"] = client.client_id
        grant = request.form.get("grant_type", "")
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
        return _json(body, 200)

    def on_revoke(self, request, context):
        client_id, secret = _client_credentials(request)
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
            return _redirect(redirect_uri, {"error": "unsupported_response_type",
                                            "error_description": "Unsupported response types: "
                                                                 f"[{params.get('response_type')}]",
                                            "state": state})
        try:
            scopes = self.sim.parse_scopes(params.get("scope", "/authenticate"), USER_SCOPES)
        except OAuthError as error:
            return _redirect(redirect_uri, {"error": error.error, "error_description": error.description,
                                            "state": state})
        if request.method == "GET":
            with self.sim.lock:
                records = [(r.orcid, r.name) for r in self.sim.records.values()]
            return pages.consent_page(client=client, scopes=scopes, params=params, records=records)
        action = request.form.get("action")
        if action != "authorize":
            return _redirect(redirect_uri, {"error": "access_denied",
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
        return _redirect(redirect_uri, {"code": code, "state": state})

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
        return _see_other(f"/{orcid}?done={urllib.parse.quote(done)}")

    def on_record_page_revoke(self, request, context, orcid):
        from orcid_simulator import pages

        if not self._researcher_form_allowed(request):
            return pages.error_page("This form must be sent from the simulator's own page.", 403)
        client_id = request.form.get("client_id", "")
        try:
            count = self.sim.revoke_by_researcher(orcid=orcid, client_id=client_id or None)
        except ApiError:
            return pages.error_page(f"There is no record {orcid} on this simulator.", 404)
        return _see_other(f"/{orcid}?done={urllib.parse.quote(f'Access revoked ({count} token(s)).')}")

    # ---- control interface -------------------------------------------------------------------------
    def _item_json(self, item: Item) -> object:
        return self.schema.xml_to_json(rendering.item_element(item), self.schema.element(*ROOTS[item.kind]))

    def on_ctl_records(self, request, context):
        if request.method == "GET":
            with self.sim.lock:
                return _json([{"orcid": r.orcid, "name": r.name, "items": len(r.items)}
                              for r in self.sim.records.values()])
        data = _json_body(request)
        client_id = data.get("client_id") or self.sim.demo_client_id
        if client_id not in self.sim.clients:
            # Refused before anything is made: a failed call leaves no record behind.
            return _json({"error": f"unknown client {client_id}"}, 400)
        name = (data.get("name") or "").strip()
        given = data.get("given_names") or (name.split(" ", 1)[0] if name else "")
        family = data.get("family_name") or (name.split(" ", 1)[1] if " " in name else "")
        record = self.sim.create_record(given_names=given, family_name=family)
        if data.get("default_visibility"):
            record.default_visibility = data["default_visibility"]
        token = self.sim.issue_token_for_record(orcid=record.orcid, client_id=client_id,
                                                scopes=data.get("scopes") or DEFAULT_SCOPES)
        return _json({"orcid": record.orcid, "name": record.name, "access_token": token.access_token,
                      "refresh_token": token.refresh_token, "scope": token.scope_string(),
                      "client_id": client_id, "expires_in": int(token.expires_at - time.time())}, 201)

    def on_ctl_record(self, request, context, orcid):
        try:
            return _json(self.sim.snapshot(orcid, self._item_json))
        except ApiError:
            return _json({"error": f"no record {orcid}"}, 404)

    def on_ctl_items(self, request, context, orcid):
        """Add an item as another source would (Crossref, a second university...)."""
        data = _json_body(request)
        kind = data.get("kind", "work")
        if kind not in ROOTS:
            return _json({"error": "kind must be work or employment"}, 400)
        client_id = data.get("client_id")
        source_name = data.get("source_name")
        if client_id and client_id not in self.sim.clients:
            self.sim.register_client(client_id=client_id, name=source_name or client_id)
        if not client_id:
            wanted = source_name or "Crossref Metadata Search"
            match = [c for c in self.sim.clients.values() if c.name == wanted]
            client = match[0] if match else self.sim.register_client(name=wanted)
            client_id = client.client_id
        client = self.sim.clients[client_id]
        body = data.get("body")
        try:
            if isinstance(body, str):
                element = etree.fromstring(body.encode())
                self.schema.validate(element, kind)
            else:
                element = self.schema.json_to_xml(body or {}, self.schema.element(*ROOTS[kind]))
                self.schema.validate(element, kind)
            if data.get("validate", True):
                self._validate(kind, element, create=True, original=None)
        except (SchemaError, etree.XMLSyntaxError) as exc:
            return _json({"error": str(exc)}, 400)
        except ApiError as error:
            return _json(error.body(), 400)
        try:
            item = self.sim.create_item(orcid=orcid, kind=kind, body=element, client=client,
                                        visibility=data.get("visibility"), source_name=source_name or client.name)
        except ApiError as error:
            return _json(error.body(), error.status)
        return _json({"put_code": item.put_code, "kind": kind, "source_client_id": client.client_id,
                      "source_name": item.source_name, "visibility": item.visibility}, 201)

    def on_ctl_item(self, request, context, orcid, put_code):
        try:
            if request.method == "DELETE":
                self.sim.researcher_delete(orcid=orcid, put_code=put_code)
                return Response(b"", 204)
            data = _json_body(request)
            item = self.sim.researcher_set_visibility(orcid=orcid, put_code=put_code,
                                                      visibility=data.get("visibility", ""))
            return _json({"put_code": item.put_code, "visibility": item.visibility})
        except ApiError:
            return _json({"error": f"no item {put_code} on {orcid}"}, 404)
        except ValueError as exc:
            return _json({"error": str(exc)}, 400)

    def on_ctl_visibility(self, request, context, orcid, put_code):
        return self.on_ctl_item(request, context, orcid, put_code)

    def on_ctl_revoke(self, request, context, orcid):
        data = _json_body(request)
        try:
            count = self.sim.revoke_by_researcher(orcid=orcid, client_id=data.get("client_id"))
        except ApiError:
            return _json({"error": f"no record {orcid}"}, 404)
        return _json({"revoked": count})

    def on_ctl_tokens(self, request, context, orcid):
        data = _json_body(request)
        try:
            token = self.sim.issue_token_for_record(orcid=orcid, client_id=data.get("client_id") or
                                                    self.sim.demo_client_id, scopes=data.get("scopes") or
                                                    DEFAULT_SCOPES)
        except (ApiError, KeyError) as exc:
            return _json({"error": str(exc)}, 404)
        return _json({"orcid": orcid, "access_token": token.access_token, "refresh_token": token.refresh_token,
                      "scope": token.scope_string()}, 201)

    def on_ctl_token_expire(self, request, context):
        data = _json_body(request)
        if not self.sim.expire_token(str(data.get("access_token") or "")):
            return _json({"error": "no such access token"}, 404)
        return _json({"expired": True})

    def on_ctl_clients(self, request, context):
        if request.method == "GET":
            return _json([c.public() for c in self.sim.clients.values()])
        data = _json_body(request)
        client = self.sim.register_client(
            client_id=data.get("client_id"), secret=data.get("secret") or data.get("client_secret"),
            name=data.get("name", ""), redirect_uris=data.get("redirect_uris"), rate=data.get("rate"),
            burst=data.get("burst"), member=data.get("member", True))
        return _json({**client.public(), "secret": client.secret}, 201)

    def on_ctl_faults(self, request, context):
        if request.method == "GET":
            return _json(self.sim.faults.public())
        if request.method == "DELETE":
            with self.sim.lock:
                self.sim.faults = Faults()
            return _json(self.sim.faults.public())
        data = _json_body(request)
        latency = data.get("latency_ms") or [0, 0]
        if isinstance(latency, (int, float)):
            latency = [latency, latency]
        faults = Faults(
            error_rate=float(data.get("error_rate", 0.0)),
            latency_ms=(int(latency[0]), int(latency[1])),
            rate_limit_burst=int(data.get("rate_limit_burst", 0)),
            drop_after_commit_rate=float(data.get("drop_after_commit_rate", 0.0)),
            paths=list(data.get("paths") or []),
            methods=list(data.get("methods") or []),
        )
        with self.sim.lock:
            self.sim.faults = faults
        return _json(faults.public())

    def on_ctl_rate_limit(self, request, context):
        if request.method != "GET":
            data = _json_body(request)
            self.sim.set_rate_limit(rate=float(data.get("rate", self.sim.default_rate)),
                                    burst=float(data.get("burst", self.sim.default_burst)))
        return _json({"rate": self.sim.default_rate, "burst": self.sim.default_burst})

    def on_ctl_calls(self, request, context):
        with self.sim.lock:
            if request.method == "DELETE":
                self.sim.calls.clear()
                return _json([])
            return _json(list(self.sim.calls))

    def on_ctl_webhooks_sent(self, request, context):
        sender = self.sim.webhook_sender
        if request.method == "DELETE":
            sender.sent.clear()
        return _json([{"url": url, "status": status} for url, status in list(sender.sent)])

    def on_ctl_reset(self, request, context):
        data = _json_body(request)
        self.sim.reset()
        if data.get("rate") or data.get("burst"):
            self.sim.set_rate_limit(rate=float(data.get("rate", self.sim.default_rate)),
                                    burst=float(data.get("burst", self.sim.default_burst)))
        return _json({"reset": True})


# ---- helpers ---------------------------------------------------------------------------------------
def _see_other(location: str) -> Response:
    return Response(b"", 303, headers={"Location": location})


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status, content_type="application/json;charset=UTF-8")


def _json_body(request: Request) -> dict:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _bearer(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer"):
        value = header[len("bearer"):].strip().split(",")[0].strip()
        return value or None
    return request.args.get("access_token") or None


def _client_credentials(request: Request) -> tuple[str | None, str | None]:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip()).decode()
            client_id, _, secret = decoded.partition(":")
            return urllib.parse.unquote(client_id), urllib.parse.unquote(secret)
        except (ValueError, UnicodeDecodeError):
            return None, None
    return request.form.get("client_id"), request.form.get("client_secret")


def _redirect(redirect_uri: str, params: dict[str, str | None]) -> Response:
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
    separator = "&" if urllib.parse.urlsplit(redirect_uri).query else "?"
    return Response(b"", 302, headers={"Location": f"{redirect_uri}{separator}{query}"})

