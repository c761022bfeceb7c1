"""LRMX, the XML the COD's 干部任免审批表 editor reads and writes (research notes §3.2).

Writing: root `<Person>`, one element per field in the editor's order, `JiaTingChengYuan/Item`
per family member, the photo in base64. Reading is defensive: no DTD (refused outright), no
entity expansion, no network, no huge trees; unknown elements are ignored.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from lxml import etree

from app.domain.errors import InvalidInput
from app.services.cadre_file import ELEMENTS, FAMILY_ELEMENTS, LRMX_VERSION, Sheet

CONTENT_TYPE = "application/xml"
MAX_BYTES = 1024 * 1024


def to_lrmx(sheet: Sheet) -> bytes:
    root = etree.Element("Person")
    for name in ELEMENTS:
        if name == "ShenFenZheng":
            continue  # written after the family block, where the editor puts it
        etree.SubElement(root, name).text = sheet.values.get(name, "")
    family = etree.SubElement(root, "JiaTingChengYuan")
    for member in sheet.family:
        item = etree.SubElement(family, "Item")
        for name in FAMILY_ELEMENTS:
            etree.SubElement(item, name).text = member.get(name, "")
    etree.SubElement(root, "ShenFenZheng").text = sheet.values.get("ShenFenZheng", "")
    photo = etree.SubElement(root, "ZhaoPian")
    photo.text = base64.b64encode(sheet.photo).decode("ascii") if sheet.photo else ""
    etree.SubElement(root, "Version").text = LRMX_VERSION
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


@dataclass
class Parsed:
    """What an LRMX document says: the scalar elements present (absent: not given), the family
    block when present, the photo's bytes when present (None: element absent or empty)."""

    values: dict[str, str]
    family: list[dict[str, str]] | None = None
    photo: bytes | None = None
    photo_given: bool = False
    unknown: list[str] = field(default_factory=list)


_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    huge_tree=False,
    load_dtd=False,
    dtd_validation=False,
    remove_comments=True,
    remove_pis=True,
)


def _text(el: etree._Element) -> str:
    # A CDATA section or plain text alike; CRLF as LF (the editor writes Windows line ends).
    return (el.text or "").replace("\r\n", "\n").strip()


def parse(data: bytes) -> Parsed:
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"an LRMX file is at most {MAX_BYTES} bytes")
    head = data[:4096].lstrip(b"\xef\xbb\xbf").lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise InvalidInput("an LRMX file may not contain a DTD or entity declarations")
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise InvalidInput(f"not well-formed XML: {exc.msg}") from exc
    if root.getroottree().docinfo.internalDTD is not None:
        raise InvalidInput("an LRMX file may not contain a DTD")
    if root.tag != "Person":
        raise InvalidInput(f"the root element of an LRMX file is <Person>, not <{root.tag}>")
    out = Parsed(values={})
    known = set(ELEMENTS)
    for el in root:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in known:
            out.values[tag] = _text(el)
        elif tag == "JiaTingChengYuan":
            out.family = [
                {
                    sub.tag: _text(sub)
                    for sub in item
                    if isinstance(sub.tag, str) and sub.tag in FAMILY_ELEMENTS
                }
                for item in el
                if item.tag == "Item"
            ]
        elif tag == "ZhaoPian":
            out.photo_given = True
            raw = "".join(_text(el).split())
            try:
                out.photo = base64.b64decode(raw, validate=True) if raw else None
            except (binascii.Error, ValueError) as exc:
                raise InvalidInput("ZhaoPian is not valid base64") from exc
        elif tag != "Version":
            out.unknown.append(tag)
    return out
