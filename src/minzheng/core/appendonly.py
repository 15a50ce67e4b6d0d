"""Rows that record what happened (transitions, home visits, objections, enrolment events): created once, never
changed (ARCHITECTURE §5 "Legal facts are never overwritten"); on PostgreSQL a trigger enforces it as well."""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("append-only")

    def delete(self) -> NoReturn:
        raise PermissionError("append-only")


class AppendOnly(models.Model):
    """Rows that record what happened: created once, never changed (a trigger enforces it on PostgreSQL)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise PermissionError("append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("append-only")
