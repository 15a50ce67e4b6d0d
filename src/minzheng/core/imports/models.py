"""ImportBatch: one successfully imported file per importer, scope and content (ARCHITECTURE §7 Imports)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportBatch(models.Model):
    """A file written in full; uploading the same content again in the same scope returns this result."""

    importer = models.CharField(_("导入类型"), max_length=64)
    sha256 = models.CharField(_("文件摘要"), max_length=64)
    scope_path = models.CharField(max_length=128, editable=False)
    file_name = models.CharField(_("文件名"), max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    result = models.JSONField(_("导入结果"), default=dict)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        constraints = [
            models.UniqueConstraint(fields=["importer", "sha256", "scope_path"], name="import_batch_file_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.importer} {self.file_name}"
