"""Items on records: put-codes, ORCID's duplicate rule (409 9021), writes, deletes and visibility."""

from __future__ import annotations

import copy

from lxml import etree

from orcid_simulator.errors import ApiError
from orcid_simulator.schema import NS
from orcid_simulator.state.models import (
    VISIBILITIES, Client, Item, Record, Token, _now, self_external_ids, strip_server_fields,
)


class ItemsState:
    """Mixed into `Simulator`."""

    # ---- items -------------------------------------------------------------------------
    def _allocate_put_code(self) -> int:
        self.next_put_code += 1
        return self.next_put_code

    def _duplicate_of(self, record: Record, kind: str, client_id: str, body: etree._Element,
                      ignore: int | None = None) -> Item | None:
        """ActivityValidator.checkExternalIdentifiersForDuplicates: an item of the same kind from
        the same source with an equal `self` external id (ExternalID.equals on ORCID's normalised
        values; fundings compare the values as written). Other sources' items never conflict."""
        return DuplicateIndex(record, kind, client_id, ignore).find(body)

    def create_item(self, *, orcid: str, kind: str, body: etree._Element, client: Client,
                    visibility: str | None = None, source_name: str | None = None) -> Item:
        """Add a validated item to the record; 409 9021 when the same client already has one
        with the same `self` identifier."""
        with self.lock:
            record = self.record(orcid)
            self._check_room(record, kind)
            duplicate = self._duplicate_of(record, kind, client.client_id, body)
            if duplicate is not None:
                raise ApiError(9021, params={"putCode": str(duplicate.put_code), "clientName": client.name})
            item = self._add_item_locked(record, kind, body, client.client_id, source_name or client.name,
                                         visibility or record.default_visibility)
        self._notify(orcid)
        return item

    def _check_room(self, record: Record, kind: str, adding: int = 1) -> None:
        """ExceedMaxNumberOfElementsException (409 9048): a record holds at most `max_works` works;
        a bulk that would pass it fails whole, before any of its works is looked at."""
        if kind == "work" and sum(1 for i in record.items.values() if i.kind == "work") + adding > self.max_works:
            raise ApiError(9048)

    def check_bulk_room(self, *, orcid: str, count: int) -> None:
        with self.lock:
            self._check_room(self.record(orcid), "work", count)

    def _add_item_locked(self, record: Record, kind: str, body: etree._Element, client_id: str, source_name: str,
                         visibility: str, self_ids: list[tuple[str, str, str | None]] | None = None) -> Item:
        now = _now()
        # A copy of its own (lxml's __copy__ is deep): the request's tree is not kept.
        body = strip_server_fields(body.__copy__())
        item = Item(self._allocate_put_code(), kind, record.orcid, client_id, source_name, visibility, now, now, body)
        if self_ids is not None:
            # Read from the request's element: stripping the server's fields leaves the ids as they are.
            item.set_self_ids(self_ids)
        record.items[item.put_code] = item
        record.modified = now
        return item

    def create_items_bulk(self, *, orcid: str, elements: list[etree._Element | ApiError],
                          client: Client) -> list[Item | ApiError]:
        """ORCID's bulk: each work is checked and added on its own; a duplicate inside the
        same request is a duplicate too."""
        results: list[Item | ApiError] = []
        with self.lock:
            record = self.record(orcid)
            index = DuplicateIndex(record, "work", client.client_id)
            # _check_room for each work, without counting the record's works each time.
            works = sum(1 for i in record.items.values() if i.kind == "work")
            for element in elements:
                if isinstance(element, ApiError):
                    results.append(element)
                    continue
                if works + 1 > self.max_works:
                    results.append(ApiError(9048))
                    continue
                ids = self_external_ids(element)
                duplicate = index.find_ids(ids)
                if duplicate is not None:
                    results.append(ApiError(9021, params={"putCode": str(duplicate.put_code),
                                                          "clientName": client.name}))
                    continue
                item = self._add_item_locked(record, "work", element, client.client_id, client.name,
                                             record.default_visibility, self_ids=ids)
                works += 1
                index.add(item)
                results.append(item)
        if any(isinstance(r, Item) for r in results):
            self._notify(orcid)
        return results

    def item(self, *, orcid: str, kind: str, put_code: int) -> Item:
        record = self.record(orcid)
        item = record.items.get(put_code)
        if item is None or item.kind != kind:
            raise ApiError(9016, detail=f"No entity found with id: {put_code}")
        return item

    def update_item(self, *, orcid: str, kind: str, put_code: int, body: etree._Element, client: Client) -> Item:
        with self.lock:
            record = self.record(orcid)
            item = self.item(orcid=orcid, kind=kind, put_code=put_code)
            # updateWork / updateAffiliation / updateFunding: duplicates first, then the source
            # (checkSourceAndThrow: WrongSourceException 403 9010, "work" whatever the kind).
            duplicate = self._duplicate_of(record, kind, client.client_id, body, ignore=put_code)
            if duplicate is not None:
                raise ApiError(9021, params={"putCode": str(duplicate.put_code), "clientName": client.name})
            if item.source_client_id != client.client_id:
                raise ApiError(9010, params={"activity": "work"})
            item.body = strip_server_fields(copy.deepcopy(body))
            item.modified = _now()
            record.modified = item.modified
        self._notify(orcid)
        return item

    def delete_item(self, *, orcid: str, kind: str, put_code: int, client: Client | None) -> None:
        """Delete an item. `client` None: the researcher deletes it on orcid.org."""
        with self.lock:
            record = self.record(orcid)
            item = self.item(orcid=orcid, kind=kind, put_code=put_code)
            if client is not None and item.source_client_id != client.client_id:
                raise ApiError(9010, params={"activity": "work"})
            del record.items[put_code]
            record.modified = _now()
        self._notify(orcid)

    def researcher_delete(self, *, orcid: str, put_code: int) -> None:
        with self.lock:
            record = self.record(orcid)
            item = record.items.get(put_code)
            if item is None:
                raise ApiError(9016)
            kind = item.kind
        self.delete_item(orcid=orcid, kind=kind, put_code=put_code, client=None)

    def researcher_set_visibility(self, *, orcid: str, put_code: int, visibility: str) -> Item:
        if visibility not in VISIBILITIES:
            raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}")
        with self.lock:
            record = self.record(orcid)
            item = record.items.get(put_code)
            if item is None:
                raise ApiError(9016)
            item.visibility = visibility
            item.modified = _now()
            record.modified = item.modified
        self._notify(orcid)
        return item

    # ---- reading -------------------------------------------------------------------------
    def visible_to(self, item: Item, token: Token) -> bool:
        """OrcidSecurityManager.checkAndFilter: public items to anyone with a token for the record,
        the client's own items always, limited ones with a read-limited or update scope, private
        ones only to their source."""
        if item.source_client_id == token.client_id:
            return True
        if item.visibility == "public":
            return True
        if item.visibility == "limited" and token.orcid == item.orcid and (
                token.scopes & {"/read-limited", "/activities/read-limited", "/activities/update"}):
            return True
        return False



def unchanged_foreign_work(item: Item, body: etree._Element, client_id: str) -> ApiError | None:
    """WorkManagerImpl.updateWork compares the incoming work with the stored one before anything
    else: unchanged and sent by another source, it is OrcidForbiddenException (403 9014) carrying
    9010's text. (Affiliations and fundings have no such step.)"""
    if item.kind != "work" or item.source_client_id == client_id:
        return None
    if _canonical(strip_server_fields(copy.deepcopy(body))) != _canonical(item.body):
        return None
    return ApiError(9014, detail="403 Forbidden: You are not the source of the work, so you are not allowed to "
                                 "update it.")


def _canonical(element: etree._Element) -> bytes:
    """The item's content as WorkForm.compare sees it: no transient normalised ids, no layout."""
    copy_ = copy.deepcopy(element)
    for transient in ("external-id-normalized", "external-id-normalized-error"):
        for node in list(copy_.iter(f"{{{NS['common']}}}{transient}")):
            node.getparent().remove(node)
    for node in copy_.iter():
        if node.text is not None:
            node.text = node.text.strip()
        node.tail = None
    return etree.tostring(copy_, method="c14n")


class DuplicateIndex:
    """A client's `self` external ids of one kind on a record, looked up as ExternalID.equals
    compares them: by normalised value when the new id has one, else by the value as written."""

    def __init__(self, record: Record, kind: str, client_id: str, ignore: int | None = None) -> None:
        self.normalised = kind != "funding"
        self.by_norm: dict[tuple[str, str], Item] = {}
        self.by_value: dict[tuple[str, str], Item] = {}
        for item in record.items.values():
            if item.kind == kind and item.source_client_id == client_id and item.put_code != ignore:
                self.add(item)

    def add(self, item: Item) -> None:
        for id_type, value, norm in item.self_ids():
            if norm:
                self.by_norm.setdefault((id_type, norm), item)
            self.by_value.setdefault((id_type, value), item)

    def find(self, body: etree._Element) -> Item | None:
        return self.find_ids(self_external_ids(body))

    def find_ids(self, ids: list[tuple[str, str, str | None]]) -> Item | None:
        """find() for the `self` ids self_external_ids has read from a body."""
        for id_type, value, norm in ids:
            if self.normalised and norm:
                found = self.by_norm.get((id_type, norm))
            else:
                found = self.by_value.get((id_type, value))
            if found is not None:
                return found
        return None
