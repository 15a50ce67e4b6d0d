"""Parameter store: shipped values with sources, inheritance down the region tree, versions by date,
and maker-checker changes (REFERENCE §14, §16; ARCHITECTURE §6)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from minzheng.core.access.actor import Actor
from minzheng.core.access.models import Role
from minzheng.core.audit.models import AuditEvent
from minzheng.core.errors import AccessDenied, Conflict, InvalidInput
from minzheng.core.parameters.models import Parameter, ProposalState
from minzheng.core.parameters.selectors import parameter_value, parameter_values
from minzheng.core.parameters.services import (
    ProposalInput,
    parameter_files,
    parameter_proposal_decide,
    parameter_propose,
    parameters_load,
)
from tests.conftest import Tree

ActorOf = Callable[..., Actor]


@pytest.fixture
def loaded(tree: Tree) -> Tree:
    parameters_load()
    return tree


def test_the_shipped_file_is_found_and_loads_idempotently(tree: Tree) -> None:
    assert any(path.parts[-3:] == ("assistance", "rules", "params.yaml") for path in parameter_files())
    first = parameters_load()
    again = parameters_load()
    assert first.created == Parameter.objects.count() >= 17
    assert (again.created, again.unchanged, again.differing) == (0, first.created, [])


@pytest.mark.parametrize(
    ("on", "variant", "fen"),
    [(date(2020, 6, 1), "urban", 62000), (date(2020, 6, 1), "rural", 49600),
     (date(2021, 10, 1), "urban", 63600), (date(2021, 10, 1), "rural", 51500)],
)  # fmt: skip
def test_chongqing_dibao_standards_by_date(loaded: Tree, on: date, variant: str, fen: int) -> None:
    value = parameter_value(key="dibao.standard_fen", region=loaded.village, on=on, variant=variant)
    assert (value.value, value.region_code, value.confirmed) == (fen, "500000", True)
    assert "REFERENCE §14" in value.source


def test_unconfirmed_values_say_so(loaded: Tree) -> None:
    nursing = parameter_value(key="disability_subsidy.nursing_grade1_fen", region=loaded.district, on=date(2026, 3, 1))
    assert (nursing.value, nursing.status, nursing.confirmed) == (11000, "unconfirmed", False)
    earlier = parameter_value(key="disability_subsidy.nursing_grade1_fen", region=loaded.district, on=date(2025, 3, 1))
    assert (earlier.value, earlier.confirmed) == (9000, True)


def test_missing_value_is_a_conflict(loaded: Tree) -> None:
    with pytest.raises(Conflict) as caught:
        parameter_value(key="dibao.standard_fen", region=loaded.village, on=date(2019, 1, 1), variant="urban")
    assert caught.value.code == "param.missing"


def _proposal(tree: Tree, **overrides: object) -> ProposalInput:
    values: dict[str, object] = {
        "key": "dibao.standard_fen", "region_code": tree.district.code, "variant": "urban", "value": 70000,
        "valid_from": date(2024, 1, 1), "source": "渝中区 2024 年低保标准通知（测试）",
    }  # fmt: skip
    values.update(overrides)
    return ProposalInput(**values)  # type: ignore[arg-type]


def test_district_override_is_inherited_below_and_history_is_kept(loaded: Tree, actor_of: ActorOf) -> None:
    maker = actor_of(Role.ADMINISTRATOR)
    checker = actor_of(Role.ADMINISTRATOR, loaded.district)
    proposal = parameter_propose(actor=maker, data=_proposal(loaded))
    # Not in force until approved.
    assert (
        parameter_value(key="dibao.standard_fen", region=loaded.village, on=date(2024, 6, 1), variant="urban").value
        == 63600
    )
    parameter_proposal_decide(actor=checker, proposal_id=proposal.id, approve=True)
    village = parameter_value(key="dibao.standard_fen", region=loaded.village, on=date(2024, 6, 1), variant="urban")
    assert (village.value, village.region_code) == (70000, loaded.district.code)
    other = parameter_value(key="dibao.standard_fen", region=loaded.other_village, on=date(2024, 6, 1), variant="urban")
    assert other.value == 63600
    before = parameter_value(key="dibao.standard_fen", region=loaded.village, on=date(2023, 6, 1), variant="urban")
    assert before.value == 63600  # decisions made in 2023 resolve as they did
    actions = list(AuditEvent.objects.filter(action__startswith="parameter.p").values_list("action", flat=True))
    assert actions == ["parameter.propose"]
    assert AuditEvent.objects.filter(action="parameter.approve", username=checker.username).exists()


def test_maker_cannot_approve_own_proposal(loaded: Tree, actor_of: ActorOf) -> None:
    maker = actor_of(Role.ADMINISTRATOR)
    proposal = parameter_propose(actor=maker, data=_proposal(loaded))
    with pytest.raises(Conflict) as caught:
        parameter_proposal_decide(actor=maker, proposal_id=proposal.id, approve=True)
    assert caught.value.code == "param.same_person"


def test_rejected_proposal_changes_nothing_and_cannot_be_decided_twice(loaded: Tree, actor_of: ActorOf) -> None:
    proposal = parameter_propose(actor=actor_of(Role.ADMINISTRATOR), data=_proposal(loaded))
    checker = actor_of(Role.ADMINISTRATOR, loaded.district)
    decided = parameter_proposal_decide(actor=checker, proposal_id=proposal.id, approve=False, reason="依据不足")
    assert (decided.state, decided.parameter) == (ProposalState.REJECTED, None)
    with pytest.raises(Conflict):
        parameter_proposal_decide(actor=checker, proposal_id=proposal.id, approve=True)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [({"key": "no.such"}, "param.unknown"), ({"value": 12.5}, "param.value_integer"),
     ({"value": -1}, "param.value_integer"), ({"source": " "}, "param.source_required")],
)  # fmt: skip
def test_bad_proposals_are_refused(loaded: Tree, actor_of: ActorOf, overrides: dict[str, object], code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parameter_propose(actor=actor_of(Role.ADMINISTRATOR), data=_proposal(loaded, **overrides))
    assert caught.value.code == code


def test_a_version_cannot_slip_in_before_an_existing_one(loaded: Tree, actor_of: ActorOf) -> None:
    data = _proposal(loaded, region_code="500000", valid_from=date(2020, 6, 1))
    with pytest.raises(Conflict) as caught:
        parameter_propose(actor=actor_of(Role.ADMINISTRATOR), data=data)
    assert caught.value.code == "param.not_after_latest"


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ADMINISTRATOR])
def test_only_administrators_propose(loaded: Tree, actor_of: ActorOf, role: str) -> None:
    with pytest.raises(AccessDenied):
        parameter_propose(actor=actor_of(role), data=_proposal(loaded))


def test_values_in_force_list_one_per_key_and_variant(loaded: Tree) -> None:
    values = parameter_values(region=loaded.village, on=date(2026, 6, 1))
    keys = [(v.key, v.variant) for v in values]
    assert len(keys) == len(set(keys))
    assert ("dibao.standard_fen", "urban") in keys


def test_params_command_loads_and_shows(tree: Tree) -> None:
    out = StringIO()
    call_command("params", "load", stdout=out, stderr=StringIO())
    assert "新增" in out.getvalue()
    call_command("params", "show", "--region", "500103", "--on", "2021-10-01", stdout=StringIO())
