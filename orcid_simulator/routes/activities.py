"""The member API's activities: every section's items (POST, GET/PUT/DELETE by put-code), the
plural summaries, works' bulk and put-code reads, the record and the activities summary."""

from __future__ import annotations

from lxml import etree
from werkzeug.wrappers import Request, Response

from orcid_simulator import rendering
from orcid_simulator.errors import BULK_LIMIT, BULK_LIMIT_DETAIL, MAX_PUT_CODES, ApiError
from orcid_simulator.http_helpers import bearer
from orcid_simulator.schema import NS
from orcid_simulator.sections import SECTIONS
from orcid_simulator.state import Client, Item, Token
from orcid_simulator.state.items import unchanged_foreign_work
from orcid_simulator.validation import check_work
from orcid_simulator.validation_orgs import check_affiliation, check_funding

UPDATE_SCOPES = {"/activities/update"}
READ_SCOPES = {"/read-limited", "/activities/update", "/activities/read-limited", "/read-public"}
_PLURAL_TO_KIND = {section.plural: kind for kind, section in SECTIONS.items()}


class ActivityRoutes:
    """Mixed into `SimulatorApp` (which provides sim, schema, _parse_body, _check, _answer)."""

    # ---- authentication and scope checks --------------------------------------------------------
    def _token(self, request: Request, orcid: str, *, write: bool,
               scopes: set[str] | None = None) -> tuple[Token, Client]:
        token = self.sim.authenticate(bearer(request), request.method)
        client = self.sim.clients[token.client_id]
        if token.orcid is not None and token.orcid != orcid:
            raise ApiError(9017)
        # checkProfile: a locked, deactivated or deprecated record answers so to every call.
        self.sim.check_record_state(orcid=orcid, method=request.method, url=request.url)
        needed = scopes or (UPDATE_SCOPES if write else READ_SCOPES)
        if not (token.scopes & needed) and not (not write and token.orcid == orcid):
            raise ApiError(9038)
        if token.orcid is None and write and scopes is None:
            raise ApiError(9038)
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
        elif kind == "funding":
            check_funding(element, create=create, original_visibility=original, known=self.sim.organizations)
        else:
            check_affiliation(kind, element, create=create, original_visibility=original,
                              known=self.sim.organizations)

    # ---- items ------------------------------------------------------------------------------------
    def on_item_create(self, request: Request, context: dict, orcid: str, kind: str) -> Response:
        token, client = self._token(request, orcid, write=True)
        element, fmt = self._parse_body(request, SECTIONS[kind].root)
        self._check(kind, element, fmt, create=True, original=None)
        item = self.sim.create_item(orcid=orcid, kind=kind, body=element, client=client)
        location = f"{request.host_url.rstrip('/')}/v3.0/{orcid}/{kind}/{item.put_code}"
        return Response(b"", 201, headers={"Location": location})

    def on_item(self, request: Request, context: dict, orcid: str, kind: str, put_code: str) -> Response:
        write = request.method in ("PUT", "DELETE")
        token, client = self._token(request, orcid, write=write)
        root = SECTIONS[kind].root
        if request.method == "PUT":
            element, fmt = self._parse_body(request, root)
            body_code = element.get("put-code")
            if body_code is None or body_code.strip() != put_code:
                raise ApiError(9019, params={"urlPutCode": put_code, "bodyPutCode": str(body_code),
                                             "clientName": client.name})
            code = self._put_code(put_code)
            existing = self.sim.item(orcid=orcid, kind=kind, put_code=code)
            forbidden = unchanged_foreign_work(existing, element, client.client_id)
            if forbidden is not None:
                raise forbidden
            self._check(kind, element, fmt, create=False, original=existing.visibility)
            item = self.sim.update_item(orcid=orcid, kind=kind, put_code=code, body=element, client=client)
            return self._answer(request, rendering.item_element(item), root)
        code = self._put_code(put_code)
        if request.method == "DELETE":
            self.sim.delete_item(orcid=orcid, kind=kind, put_code=code, client=client)
            return Response(b"", 204)
        item = self.sim.item(orcid=orcid, kind=kind, put_code=code)
        if not self.sim.visible_to(item, token):
            raise ApiError(9013)
        return self._answer(request, rendering.item_element(item), root)

    def _visible(self, orcid: str, kind: str, token: Token) -> list[Item]:
        with self.sim.lock:
            record = self.sim.record(orcid)
            return [i for i in record.items.values() if i.kind == kind and self.sim.visible_to(i, token)]

    def _visible_by_kind(self, orcid: str, token: Token) -> dict[str, list[Item]]:
        return {kind: self._visible(orcid, kind, token) for kind in SECTIONS}

    # ---- summaries --------------------------------------------------------------------------------
    def on_section(self, request: Request, context: dict, orcid: str, plural: str) -> Response:
        token, _ = self._token(request, orcid, write=False)
        kind = _PLURAL_TO_KIND[plural]
        record = self.sim.record(orcid)
        element = rendering.section_element(record, self._visible(orcid, kind, token), SECTIONS[kind])
        return self._answer(request, element, ("activities", plural))

    def on_works(self, request: Request, context: dict, orcid: str) -> Response:
        if request.method == "POST":
            return self._bulk(request, orcid)
        return self.on_section(request, context, orcid, "works")

    def _bulk(self, request: Request, orcid: str) -> Response:
        token, client = self._token(request, orcid, write=True)
        bulk, fmt = self._parse_body(request, ("bulk", "bulk"))
        works = [child for child in bulk if isinstance(child.tag, str)]
        # WorkManagerImpl.createWorks: the 10,000-works cap (9048) fails the whole request, and
        # is checked before the bulk's own size limit.
        self.sim.check_bulk_room(orcid=orcid, count=len(works))
        if len(works) > BULK_LIMIT:
            raise ApiError(9006, detail=BULK_LIMIT_DETAIL.format(BULK_LIMIT))
        elements: list[etree._Element | ApiError] = []
        # A JSON bulk the bulk XSD passes as a whole has every work:work in it passing the work
        # XSD (bulk-3.0.xsd refers to work-3.0.xsd's work:work; no wildcards, ids or keys): one
        # validation instead of one per work. Otherwise each work is validated on its own.
        schema_valid = fmt == "json" and self.schema.is_valid(bulk, "bulk")
        for work in works:
            # ORCID validates each work of a bulk on its own and answers an error in its place.
            try:
                if work.tag != f"{{{NS['work']}}}work":
                    raise ApiError(9001, detail=f"unexpected element {work.tag}")
                self._check("work", work, fmt, create=True, original=None, schema_valid=schema_valid)
                elements.append(work)
            except ApiError as error:
                elements.append(error)
        results = self.sim.create_items_bulk(orcid=orcid, elements=elements, client=client)
        for result in results:
            if isinstance(result, ApiError):
                result.params.setdefault("clientName", client.name)
        if self._wants_json(request):
            return self._answer_json(request, rendering.bulk_json(results))
        return self._answer(request, rendering.bulk_element(results), ("bulk", "bulk"))

    def on_works_by_code(self, request: Request, context: dict, orcid: str, put_codes: str) -> Response:
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

    def on_record(self, request: Request, context: dict, orcid: str) -> Response:
        token, _ = self._token(request, orcid, write=False)
        record = self.sim.record(orcid)
        element = rendering.record_element(record, self._visible_by_kind(orcid, token))
        return self._answer(request, element, ("record", "record"))

    def on_activities(self, request: Request, context: dict, orcid: str) -> Response:
        token, _ = self._token(request, orcid, write=False)
        record = self.sim.record(orcid)
        element = rendering.activities_element(record, self._visible_by_kind(orcid, token))
        return self._answer(request, element, ("activities", "activities-summary"))
