"""Writes to the parameter store: loading the shipped files, and maker-checker changes by administrators.

Versions are never edited: a change is a new row with a later `valid_from`, proposed by one person and
approved by another, and both steps are audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.core.access.actor import Actor
from minzheng.core.audit.services import audit_record
from minzheng.core.errors import Conflict, InvalidInput, NotFound
from minzheng.core.parameters.models import (
    Parameter,
    ParameterProposal,
    ParameterStatus,
    ParameterUnit,
    ProposalState,
)
from minzheng.core.regions.models import Region

PARAMS_FILE = Path("rules") / "params.yaml"
INTEGER_UNITS = {ParameterUnit.FEN, ParameterUnit.PERMILLE, ParameterUnit.MONTHS, ParameterUnit.YEARS,
                 ParameterUnit.DAYS, ParameterUnit.WORKING_DAYS}  # fmt: skip


@dataclass(frozen=True)
class LoadSummary:
    created: int
    unchanged: int
    differing: list[str]  # shipped versions that disagree with a stored one: kept as stored, reported


def parameter_files() -> list[Path]:
    """Each installed app's rules/params.yaml (ARCHITECTURE §3)."""
    paths = (Path(config.path) / PARAMS_FILE for config in apps.get_app_configs())
    return sorted(path for path in paths if path.exists())


@transaction.atomic
def parameters_load(*, paths: list[Path] | None = None) -> LoadSummary:
    """Create the shipped versions that are missing; a stored version is never overwritten.

    Set-based: one query reads the stored versions, one insert writes the missing ones (tests and the demo load
    the shipped files often)."""
    shipped = [
        (key, spec["unit"], entry)
        for path in (paths if paths is not None else parameter_files())
        for key, spec in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items()
        for entry in spec["values"]
    ]
    regions: dict[str, Region] = {}
    stored = {
        (row.key, row.region_id, row.variant, row.valid_from): row.value
        for row in Parameter.objects.filter(key__in={key for key, _unit, _entry in shipped})
    }
    missing, unchanged, differing = [], 0, []
    for key, unit, entry in shipped:
        region = regions.get(entry["region"]) or regions.setdefault(entry["region"], _region(entry["region"]))
        value = value_check(unit, entry["value"], field=key)
        identity = (key, region.pk, entry.get("variant", ""), entry["valid_from"])
        if identity not in stored:
            stored[identity] = value
            missing.append(_version(key, unit, region, entry, value))
        elif stored[identity] == value:
            unchanged += 1
        else:
            differing.append(f"{key}[{entry.get('variant', '')}]@{entry['valid_from']}")
    Parameter.objects.bulk_create(missing)
    if missing:
        audit_record(actor=None, action="parameter.load", detail={"created": len(missing), "differing": differing})
    return LoadSummary(created=len(missing), unchanged=unchanged, differing=differing)


def _version(key: str, unit: str, region: Region, entry: dict[str, Any], value: Any) -> Parameter:
    return Parameter(
        key=key, region=region, variant=entry.get("variant", ""), valid_from=entry["valid_from"], value=value,
        unit=unit, source=entry["source"], status=entry["status"], note=entry.get("note", ""),
    )  # fmt: skip


def value_check(unit: str, value: Any, *, field: str) -> Any:
    """Amounts, ratios and periods are non-negative integers (fen, per-mille, …); choices are strings."""
    if unit in INTEGER_UNITS:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidInput("param.value_integer", _("取值须为非负整数（金额以分计，比例以千分比计）"), field=field)
        return value
    if unit == ParameterUnit.CHOICE and isinstance(value, str) and value:
        return value
    raise InvalidInput("param.value", _("取值不符合该参数的单位"), field=field)


def _region(code: str) -> Region:
    region = Region.objects.filter(code=code, valid_to__isnull=True).first()
    if region is None:
        raise NotFound("region.not_found", _("区划代码不存在：%(code)s") % {"code": code}, field="region")
    return region


@dataclass(frozen=True)
class ProposalInput:
    key: str
    region_code: str
    value: Any
    valid_from: date
    source: str
    status: str = ParameterStatus.OFFICIAL
    variant: str = ""
    note: str = ""


@transaction.atomic
def parameter_propose(*, actor: Actor, data: ProposalInput) -> ParameterProposal:
    """Propose a new version; it takes effect only when another administrator approves it."""
    actor.require("parameter.propose")
    latest = Parameter.objects.filter(key=data.key).order_by("-valid_from").first()
    if latest is None:
        raise InvalidInput("param.unknown", _("未知参数：%(key)s") % {"key": data.key}, field="key")
    region = _region(data.region_code)
    value = value_check(latest.unit, data.value, field="value")
    if not data.source.strip():
        raise InvalidInput("param.source_required", _("须注明依据（文件及条款）"), field="source")
    _require_after_latest(data, region)
    proposal = ParameterProposal.objects.create(
        key=data.key, region=region, variant=data.variant, value=value, valid_from=data.valid_from,
        source=data.source.strip(), status=data.status, note=data.note, proposed_by_id=actor.user_id,
    )  # fmt: skip
    audit_record(actor=actor, action="parameter.propose", obj=proposal, region=region,
                 detail={"key": data.key, "variant": data.variant, "value": value,
                         "valid_from": data.valid_from.isoformat()})  # fmt: skip
    return proposal


def _require_after_latest(data: ProposalInput, region: Region) -> None:
    """A new version may not slip in before an existing one: that would change what past dates resolve to."""
    versions = Parameter.objects.filter(key=data.key, region=region, variant=data.variant)
    if versions.filter(valid_from__gte=data.valid_from).exists():
        raise Conflict("param.not_after_latest", _("生效日期须晚于该参数现有各版本的生效日期"), field="valid_from")


@transaction.atomic
def parameter_proposal_decide(*, actor: Actor, proposal_id: int, approve: bool, reason: str = "") -> ParameterProposal:
    """Approve (creating the version) or reject a pending proposal; the checker must not be the maker."""
    actor.require("parameter.approve")
    proposal = ParameterProposal.objects.select_for_update().filter(id=proposal_id).first()
    if proposal is None:
        raise NotFound("param.proposal_not_found", _("未找到该参数调整申请"))
    if proposal.state != ProposalState.PENDING:
        raise Conflict("param.proposal_decided", _("该申请已审核"))
    if proposal.proposed_by_id == actor.user_id:
        raise Conflict("param.same_person", _("提出人不能审核自己的申请"))
    if approve:
        proposal.parameter = _version_create(proposal)
    proposal.state = ProposalState.APPROVED if approve else ProposalState.REJECTED
    proposal.decided_by_id, proposal.decided_at, proposal.reason = actor.user_id, timezone.now(), reason.strip()
    proposal.save()
    audit_record(actor=actor, action="parameter.approve" if approve else "parameter.reject", obj=proposal,
                 region=proposal.region, detail={"key": proposal.key, "reason": proposal.reason})  # fmt: skip
    return proposal


def _version_create(proposal: ParameterProposal) -> Parameter:
    latest = Parameter.objects.filter(key=proposal.key).order_by("-valid_from").first()
    assert latest is not None  # checked when proposed; versions are never deleted
    data = ProposalInput(key=proposal.key, region_code=proposal.region.code, value=proposal.value,
                         valid_from=proposal.valid_from, source=proposal.source, variant=proposal.variant)  # fmt: skip
    _require_after_latest(data, proposal.region)
    return Parameter.objects.create(
        key=proposal.key, region=proposal.region, variant=proposal.variant, value=proposal.value, unit=latest.unit,
        valid_from=proposal.valid_from, source=proposal.source, status=proposal.status, note=proposal.note,
    )  # fmt: skip
