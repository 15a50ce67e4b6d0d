"""Render a document kind to PDF: its template (the administrator's override, else the shipped default) is filled
with the caller's context, autoescaped, and converted by xhtml2pdf with the packaged CJK font embedded.

The font (WenQuanYi Micro Hei, Apache-2.0) ships in `fonts/` so that no system font is needed; it is declared
in the default CSS under the family `minzheng-cjk` and under the names a template might use instead (宋体,
serif, Helvetica…), so that no text can fall back to a base-14 face without Chinese glyphs. Chinese has no
spaces: paragraphs and table cells break between any two characters (`word-break: break-all`).
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

from django.template import Context
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from xhtml2pdf import pisa, reportlab_paragraph
from xhtml2pdf.config.resources import ResourceAccessPolicy
from xhtml2pdf.default import DEFAULT_CSS

from minzheng.core.documents.models import DocumentTemplate
from minzheng.core.documents.templating import (
    DOCUMENT_KINDS,
    document_default_source,
    document_template_compile,
)
from minzheng.core.errors import ApplicationError, InvalidInput

__all__ = ["DOCUMENT_KINDS", "document_render", "document_template_source"]

log = logging.getLogger(__name__)

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FILE = FONTS_DIR / "wqy-microhei.ttf"
FONT_FAMILY = "minzheng-cjk"
# Names that would otherwise reach a base-14 font (no CJK glyphs: blank text) or a font that is not embedded.
FONT_ALIASES = (
    "WenQuanYi Micro Hei", "文泉驿微米黑", "SimSun", "宋体", "SimHei", "黑体", "FangSong", "仿宋", "仿宋_GB2312",
    "KaiTi", "楷体", "Microsoft YaHei", "微软雅黑", "STSong-Light", "serif", "sans-serif", "monospace",
    "Helvetica", "Times", "Times-Roman", "Times New Roman", "Courier", "Arial",
)  # fmt: skip
DOCUMENT_LANGUAGE = "zh-hans"
RENDER_SECONDS = 120  # a 300-row 公示名单 takes a few seconds on one core
# Punctuation that must not begin a line (GB/T 15834). ReportLab's list is Japanese and lacks the full-width
# Chinese comma, semicolon, colon, marks and closing quotes/brackets; the CJK line breaker hangs such a
# character in the right margin instead of starting the next line with it.
CANNOT_START_LINE = "，；：！？》〉”’"


def _teach_chinese_line_breaking() -> None:
    known: str = reportlab_paragraph.ALL_CANNOT_START
    reportlab_paragraph.ALL_CANNOT_START = known + "".join(char for char in CANNOT_START_LINE if char not in known)


_teach_chinese_line_breaking()


def _font_css() -> str:
    """The embedded font under every family name, and CJK line breaking, ahead of any template's own CSS."""
    families = ", ".join(f'"{name.lower()}"' for name in (FONT_FAMILY, *FONT_ALIASES))
    return (
        f'@font-face {{ font-family: {families}; src: url("{FONT_FILE.as_posix()}"); }}\n'
        f"html, body {{ font-family: {FONT_FAMILY}; }}\n"
        "p, div, td, th, li, span, h1, h2, h3 { word-break: break-all; }\n"
    )


def _policy() -> ResourceAccessPolicy:
    """Templates are edited by administrators: no network, and local reads only from the fonts directory."""
    return ResourceAccessPolicy.server(FONTS_DIR, allow_remote=False, max_render_seconds=RENDER_SECONDS)


def _require_kind(kind: str) -> None:
    if kind not in DOCUMENT_KINDS:
        raise InvalidInput("document.kind", _("未知的文书类别：%(kind)s") % {"kind": kind}, field="kind")


def document_template_source(kind: str) -> str:
    """The administrator's template for `kind` if one is saved, else the default shipped with the package."""
    _require_kind(kind)
    body = DocumentTemplate.objects.filter(kind=kind).values_list("body", flat=True).first()
    return body if body and body.strip() else document_default_source(kind)


def _html(kind: str, context: dict[str, Any]) -> str:
    """The filled template. Documents are official Chinese text whatever language the requesting user reads."""
    with translation.override(DOCUMENT_LANGUAGE):
        data = {"document_title": str(DOCUMENT_KINDS[kind]), "legal_basis": [], **context}
        return document_template_compile(document_template_source(kind)).render(Context(data, autoescape=True))


def _pdf(html: str) -> bytes:
    out = io.BytesIO()
    status = pisa.CreatePDF(
        html, dest=out, encoding="utf-8", default_css=DEFAULT_CSS + _font_css(), resource_policy=_policy()
    )
    if status.err:
        log.error("xhtml2pdf reported %d error(s) while rendering a document", status.err)
        raise ApplicationError("document.render_failed", _("文书生成失败，请检查文书模板"))
    return out.getvalue()


def document_render(*, kind: str, context: dict[str, Any]) -> bytes:
    """The PDF of document `kind` filled with `context` (plain values; dates and amounts already formatted)."""
    _require_kind(kind)
    return _pdf(_html(kind, context))
