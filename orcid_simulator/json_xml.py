"""ORCID JSON -> XML for `SchemaModel.json_to_xml`, written as XML text and parsed by libxml2.

Building a bulk of 100 works element by element costs some 2,300 lxml calls; writing the same
document as text and parsing it once gives the same tree for a third of the CPU. The text path
takes only what it is sure to write as the element path would: every key known, every value of
the expected shape, no empty string (the element path keeps "" as text, a parser reads `<a></a>`
as None) and no character the element path or the parser treats otherwise than as itself (control
characters, carriage returns, surrogates, U+FFFE/FFFF; tabs and newlines in attributes). For
anything else, `json_to_xml_text` answers None and the element path runs, with its errors.
tests/orcid_simulator/test_json_xml.py holds both paths' trees equal.
"""

from __future__ import annotations

import re

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
_QNAMES: dict[ElementDecl, str] = {}


class _Fallback(Exception):
    """Something the element path must handle (an error to report, a value to keep as is)."""


def json_to_xml_text(data: object, decl: ElementDecl) -> etree._Element | None:
    """The element `json_to_xml` builds for `data`, or None when the element path must build it."""
    out: list[str] = []
    try:
        _write(out, data, decl, _NS_DECLARATIONS)
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


def _qname(decl: ElementDecl) -> str:
    qname = _QNAMES.get(decl)
    if qname is None:
        prefix = _PREFIXES.get(decl.ns)
        if prefix is None:
            raise _Fallback
        qname = _QNAMES[decl] = f"{prefix}:{decl.name}"
    return qname


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


def _write(out: list[str], data: object, decl: ElementDecl, declarations: str = "") -> None:
    """SchemaModel._fill_from_json's element for `data`, as text (raising _Fallback where it
    would raise SchemaError, and for what the text cannot say as it would)."""
    qname = _qname(decl)
    if decl.simple:
        _write_simple(out, data, decl, qname, declarations)
        return
    if not isinstance(data, dict):
        raise _Fallback
    if decl.name == "bulk":
        _write_bulk(out, data, decl, qname, declarations)
        return
    ctype = decl.ctype
    attrs = ctype.attribute_set
    known = ctype.child_names
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
        # The XSD's order, whatever the JSON's (a name offered twice is one child).
        present = [child.name for child in ctype.children if child.name in data and data[child.name] is not None]
    out.append(f"<{qname}{declarations}{attributes}>")
    by_name = ctype.by_name
    for name in present:
        child_decl = by_name[name]
        value = data[name]
        if isinstance(value, list):
            if not child_decl.many:
                raise _Fallback
            for item in value:
                if item is not None:
                    _write(out, item, child_decl)
        else:
            _write(out, value, child_decl)
    out.append(f"</{qname}>")


def _write_simple(out: list[str], data: object, decl: ElementDecl, qname: str, declarations: str) -> None:
    attributes = ""
    if isinstance(data, dict):
        attrs = decl.ctype.attribute_set if decl.ctype is not None else _NO_NAMES
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
    if isinstance(value, (dict, list)):
        raise _Fallback
    if value is None:
        out.append(f"<{qname}{declarations}{attributes}/>")
        return
    if decl.datetime and isinstance(value, (int, float)):
        value = millis_to_iso(value)
    text = _text(value if type(value) is str else json_scalar(value))
    out.append(f"<{qname}{declarations}{attributes}>{text}</{qname}>")


def _write_bulk(out: list[str], data: dict, decl: ElementDecl, qname: str, declarations: str) -> None:
    """{"bulk": [{"work": {...}}, ...]}: a list of one-key wrappers, in order."""
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
        _write(out, value, child_decl)
    out.append(f"</{qname}>")
