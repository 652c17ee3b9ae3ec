"""Reading back the text of a PDF made by core.documents, in pure Python (no poppler needed)."""

import base64
import re
import zlib


def _unescape_pdf_string(raw: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == 0x5C:  # backslash
            nxt = raw[i + 1 : i + 2]
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(0), 8) & 0xFF)
                i += 1 + len(octal.group(0))
                continue
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(nxt, nxt)
            i += 2
            continue
        out.append(c)
        i += 1
    return bytes(out)


def pdf_text(pdf: bytes) -> str:
    """The text drawn in the PDF's content streams, decoded in pure Python (ASCII85 + Flate,
    then every string shown in the CID font read as UCS-2)."""
    text = []
    for match in re.finditer(rb"/Filter \[ /ASCII85Decode /FlateDecode \][^>]*>>\nstream\n(.*?)endstream", pdf, re.S):
        content = zlib.decompress(base64.a85decode(match.group(1).strip(), adobe=True))
        font = None
        for token in re.finditer(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\)", content, re.S):
            if token.group(1):
                font = token.group(1)
                continue
            raw = _unescape_pdf_string(token.group(2))
            text.append(raw.decode("utf-16-be", "replace") if font != b"F1" else raw.decode("latin-1"))
    return "".join(text)
