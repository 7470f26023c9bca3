"""`find`, `findall` and `findtext` for the simple child paths the simulator reads
("work:title/common:title"), as lxml's ElementPath answers them, without its cost.

lxml compiles a path on every call keyed by the path and the *sorted* namespace map (NS has
nineteen prefixes) and keeps only 100 compiled paths; the simulator reads a dozen paths per work,
thousands of times per bulk call. Here a path is turned into its Clark tags once and walked with
`iterchildren(tag)` (libxml2's own loop). The answers are ElementPath's: the first match in document
order (for "a/b": the first `b` of the first `a` that has one), every match in document order,
and the text of the first match ("" for none, `default` when nothing matches).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from lxml import etree

from orcid_simulator.schema import NS


@functools.lru_cache(maxsize=None)
def clark(path: str) -> tuple[str, ...]:
    """("{ns}a", "{ns}b") for "p:a/q:b" (prefixes of schema.NS)."""
    tags = []
    for step in path.split("/"):
        prefix, _, local = step.rpartition(":")
        if not prefix or not local or local == "*" or "[" in local:
            raise ValueError(f"not a simple prefixed path: {path!r}")
        tags.append(f"{{{NS[prefix]}}}{local}")
    return tuple(tags)


def _walk(element: etree._Element, tags: tuple[str, ...], depth: int) -> Iterator[etree._Element]:
    tag = tags[depth]
    if depth + 1 == len(tags):
        yield from element.iterchildren(tag)
        return
    for child in element.iterchildren(tag):
        yield from _walk(child, tags, depth + 1)


def find(element: etree._Element, path: str) -> etree._Element | None:
    tags = clark(path)
    if len(tags) == 1:
        for child in element.iterchildren(tags[0]):
            return child
        return None
    if len(tags) == 2:
        for child in element.iterchildren(tags[0]):
            for grandchild in child.iterchildren(tags[1]):
                return grandchild
        return None
    return next(_walk(element, tags, 0), None)


def findall(element: etree._Element, path: str) -> list[etree._Element]:
    tags = clark(path)
    if len(tags) == 1:
        return list(element.iterchildren(tags[0]))
    return list(_walk(element, tags, 0))


def findtext(element: etree._Element, path: str, default: str | None = None) -> str | None:
    found = find(element, path)
    if found is None:
        return default
    return found.text or ""
