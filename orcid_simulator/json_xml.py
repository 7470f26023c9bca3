"""ORCID JSON -> XML for `SchemaModel.json_to_xml`, written as XML text and parsed by libxml2.

Building a bulk of 100 works element by element costs some 2,300 lxml calls; writing the same
document as text and parsing it once gives the same tree for a third of the CPU. The text path
takes only what it is sure to write as the element path would: every key known, every value of
the expected shape, no empty string (the element path keeps "" as text, a parser reads `<a></a>`
as None) and no character the element path or the parser treats otherwise than as itself (control
characters, carriage returns, surrogates, U+FFFE/FFFF; tabs and newlines in attributes). For
anything else, `json_to_xml_text` answers None and the element path runs, with its errors.
Each declaration's writer is made once (its tags, attributes, children and their order known);
a plain text child is written in its parent's loop. tests/orcid_simulator/test_json_xml.py holds
both paths' trees (or errors) equal, for the samples and every key of them removed or changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

from orcid_simulator.schema import NSMAP, ElementDecl, json_scalar, millis_to_iso

# The parser reads only what this module wrote: no entities, no network, no size limit.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, remove_blank_text=False)
# What XML 1.0 takes as characters as they are (\r is read as \n by a parser).
_UNSAFE = re.compile("[^\t\n\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# The root's namespace declarations, as etree.Element(tag, nsmap=NSMAP) writes them.
_ASCII_UNSAFE = bytes(c for c in range(32) if chr(c) not in "\t\n")
_NS_DECLARATIONS = "".join(f' xmlns:{prefix}="{uri}"' for prefix, uri in NSMAP.items())
_PREFIXES = {uri: prefix for prefix, uri in NSMAP.items()}
_NO_NAMES: frozenset[str] = frozenset()


class _Fallback(Exception):
    """Something the element path must handle (an error to report, a value to keep as is)."""


def json_to_xml_text(data: object, decl: ElementDecl) -> etree._Element | None:
    """The element `json_to_xml` builds for `data`, or None when the element path must build it."""
    out: list[str] = []
    try:
        _writer(decl)(out, data, _NS_DECLARATIONS)
    except _Fallback:
        return None
    text = "".join(out)
    if text.isascii():
        raw = text.encode("ascii")
        if len(raw.translate(None, _ASCII_UNSAFE)) != len(raw):
            return None
    elif _UNSAFE.search(text):
        return None
    else:
        raw = text.encode("utf-8")
    return etree.fromstring(raw, _PARSER)


# A writer per declaration, made once: `write(out, data, declarations)` appends the element's
# text for `data` to `out` (`declarations`: the root's namespace declarations, else "").
Writer = Callable[[list, object, str], None]
_WRITERS: dict[ElementDecl, Writer] = {}


def _writer(decl: ElementDecl) -> Writer:
    found = _WRITERS.get(decl)
    if found is None:
        prefix = _PREFIXES.get(decl.ns)
        if prefix is None:
            def found(out: list, data: object, declarations: str = "") -> None:
                raise _Fallback
        elif decl.simple:
            found = _simple_writer(decl, f"{prefix}:{decl.name}")
        elif decl.name == "bulk":
            found = _bulk_writer(decl, f"{prefix}:{decl.name}")
        else:
            found = _complex_writer(decl, f"{prefix}:{decl.name}")
        _WRITERS[decl] = found
    return found


def _text(value: str) -> str:
    if not value:
        raise _Fallback
    if "&" in value or "<" in value or ">" in value:
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


def _attribute(key: str, value: object) -> str:
    text = json_scalar(value)
    if "\t" in text or "\n" in text or "\r" in text:
        raise _Fallback  # a parser normalises them to spaces
    if "&" in text or "<" in text or ">" in text or '"' in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return f' {key}="{text}"'


def _complex_writer(decl: ElementDecl, qname: str) -> Writer:
    """SchemaModel._fill_from_json's element for an object, as text (raising _Fallback where it
    would raise SchemaError, and for what the text cannot say as it would)."""
    ctype = decl.ctype
    attrs = ctype.attribute_set
    known = ctype.child_names
    # The XSD's order (a name offered twice is one child).
    order = {name: index for index, name in enumerate(dict.fromkeys(child.name for child in ctype.children))}
    by_name = ctype.by_name
    # Each child's writer, whether it repeats, and for a simple child without attributes, its
    # start and end tags (a plain text value is written here, without a call).
    children: dict[str, tuple[Writer, bool, str | None, str]] = {}
    end = f"</{qname}>"

    def write(out: list, data: object, declarations: str = "") -> None:
        if not isinstance(data, dict):
            raise _Fallback
        attributes = ""
        present = []
        for key, value in data.items():
            if key in attrs:
                if value is not None:
                    attributes += _attribute(key, value)
            elif key not in known:
                raise _Fallback
            if value is not None and key in known:
                present.append(key)
        if not present:
            out.append(f"<{qname}{declarations}{attributes}/>")
            return
        if len(present) > 1:
            present.sort(key=order.__getitem__)
        out.append(f"<{qname}{declarations}{attributes}>")
        for name in present:
            child = children.get(name)
            if child is None:
                child = children[name] = _child(by_name[name])
            child_write, many, child_start, child_end = child
            value = data[name]
            if child_start is not None:
                text = value
                if text.__class__ is dict and len(text) == 1 and "value" in text:
                    text = text["value"]
                if text.__class__ is str and text and "&" not in text and "<" not in text and ">" not in text:
                    out.append(child_start + text + child_end)
                    continue
            if isinstance(value, list):
                if not many:
                    raise _Fallback
                for item in value:
                    if item is not None:
                        child_write(out, item, "")
            else:
                child_write(out, value, "")
        out.append(end)

    return write


def _child(decl: ElementDecl) -> tuple[Writer, bool, str | None, str]:
    plain = decl.simple and (decl.ctype is None or not decl.ctype.attribute_set) and decl.ns in _PREFIXES
    qname = f"{_PREFIXES.get(decl.ns)}:{decl.name}"
    return _writer(decl), decl.many, (f"<{qname}>" if plain else None), f"</{qname}>"


def _simple_writer(decl: ElementDecl, qname: str) -> Writer:
    attrs = decl.ctype.attribute_set if decl.ctype is not None else _NO_NAMES
    datetime = decl.datetime
    end = f"</{qname}>"
    start = f"<{qname}>"

    def write(out: list, data: object, declarations: str = "") -> None:
        attributes = ""
        if isinstance(data, dict):
            for key, value in data.items():
                if key == "value":
                    continue
                if key not in attrs:
                    raise _Fallback
                if value is not None:
                    attributes += _attribute(key, value)
            value = data.get("value")
        else:
            value = data
        if type(value) is str and not datetime:
            text = _text(value)
        elif isinstance(value, (dict, list)):
            raise _Fallback
        elif value is None:
            out.append(f"<{qname}{declarations}{attributes}/>")
            return
        else:
            if datetime and isinstance(value, (int, float)):
                value = millis_to_iso(value)
            text = _text(value if type(value) is str else json_scalar(value))
        if declarations or attributes:
            out.append(f"<{qname}{declarations}{attributes}>{text}{end}")
        else:
            out.append(start + text + end)

    return write


def _bulk_writer(decl: ElementDecl, qname: str) -> Writer:
    """{"bulk": [{"work": {...}}, ...]}: a list of one-key wrappers, in order."""

    def write(out: list, data: object, declarations: str = "") -> None:
        if not isinstance(data, dict):
            raise _Fallback
        items = data.get("bulk") or []
        if not isinstance(items, list):
            raise _Fallback
        out.append(f"<{qname}{declarations}>")
        for wrapper in items:
            if not isinstance(wrapper, dict) or len(wrapper) != 1:
                raise _Fallback
            (key, value), = wrapper.items()
            child_decl = decl.child(key)
            if child_decl is None:
                raise _Fallback
            _writer(child_decl)(out, value, "")
        out.append(f"</{qname}>")

    return write
