"""Remembering imported files, so a re-upload of the same content answers with the earlier result."""

from __future__ import annotations

from typing import Any

from minzheng.core.access.actor import Actor
from minzheng.core.imports.models import ImportBatch


def import_batch_find(*, actor: Actor, importer: str, sha256: str) -> ImportBatch | None:
    """The batch that imported this content within the actor's own scope, if any."""
    return ImportBatch.objects.filter(importer=importer, sha256=sha256, scope_path=actor.scope_path).first()


def import_batch_record(
    *, actor: Actor, importer: str, sha256: str, file_name: str, result: dict[str, Any]
) -> ImportBatch:
    """Called inside the importer's write transaction, so the batch exists only if the rows do."""
    return ImportBatch.objects.create(
        importer=importer,
        sha256=sha256,
        scope_path=actor.scope_path,
        file_name=file_name,
        user_id=actor.user_id,
        result=result,
    )
