"""PDF documents (agreements, certificates, reports) rendered from HTML templates by WeasyPrint.

Chinese glyphs come from Debian's fonts-noto-cjk, which the set-up scripts install; the stylesheet names
the CJK families first so WeasyPrint never falls back to a font without them.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # noqa: PLC0415 - loading Pango costs ~0.3 s at start-up

    html = render_to_string(template_name, context)
    return bytes(HTML(string=html).write_pdf())


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response
