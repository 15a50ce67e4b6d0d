"""The document kinds and the template engine their templates compile with.

Kept apart from `render` so that the model (which needs the kinds for its choices and the engine to check a
template on save) and the renderer (which reads the model) do not import each other.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.template import Engine, Template
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

DOCUMENT_KINDS: dict[str, Promise] = {
    "decision_approval": _("救助审批决定书"),
    "decision_refusal": _("不予救助决定书"),
    "completeness_notice": _("一次性告知书"),
    "investigation_record": _("家庭经济状况调查记录"),
    "notice_list": _("公示名单"),
}


@cache
def document_engine() -> Engine:
    """A separate engine: document templates are found only here (they may `{% extends "documents/_base.html" %}`),
    never by the web pages' loaders, and every value is autoescaped."""
    return Engine(dirs=[str(TEMPLATES_DIR)], autoescape=True, string_if_invalid="")


def document_template_compile(source: str) -> Template:
    """Compile a template's source; raises TemplateSyntaxError on a mistake."""
    return document_engine().from_string(source)


def document_default_source(kind: str) -> str:
    """The template shipped with the package for `kind` (a key of DOCUMENT_KINDS)."""
    return (TEMPLATES_DIR / "documents" / f"{kind}.html").read_text(encoding="utf-8")
