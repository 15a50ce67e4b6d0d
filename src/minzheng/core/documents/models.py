"""Administrator-edited document templates: one optional override per document kind."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.template import Context, TemplateDoesNotExist, TemplateSyntaxError
from django.utils.translation import gettext_lazy as _

from minzheng.core.documents.templating import DOCUMENT_KINDS, document_template_compile


class DocumentTemplate(models.Model):
    """When a row exists for a kind, its `body` replaces the shipped default template of that kind."""

    kind = models.CharField(_("文书类别"), max_length=32, unique=True, choices=list(DOCUMENT_KINDS.items()))
    body = models.TextField(
        _("模板内容"),
        help_text=_(
            "以 Django 模板语言编写的 HTML，可继承 documents/_base.html 沿用默认版式；删除本记录即恢复默认模板。"
        ),
    )
    note = models.CharField(_("修改说明"), max_length=255, blank=True, default="")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("文书模板")
        verbose_name_plural = _("文书模板")
        ordering = ["kind"]

    def __str__(self) -> str:
        return str(DOCUMENT_KINDS.get(self.kind, self.kind))

    def clean(self) -> None:
        """Refuse a template that does not compile, or whose parent template does not exist."""
        super().clean()
        try:
            document_template_compile(self.body).render(Context({}))
        except TemplateSyntaxError as error:
            raise ValidationError({"body": _("模板语法错误：%(error)s") % {"error": error}}) from error
        except TemplateDoesNotExist as error:
            raise ValidationError({"body": _("模板引用的文件不存在：%(name)s") % {"name": error}}) from error
