"""Every role × every endpoint (web and API) × own region / other region, from one table.

The table below is the specification: for each endpoint, the permission it needs (from
core.access.permissions) and how to call it on a record in the caller's own district and in the other
district. Expected: a role without the permission gets 403; with it, its own region answers 2xx and the
other region answers 404 (never a forbidden-with-details). A URL pattern or API operation missing from the
table fails `test_every_endpoint_is_in_the_matrix`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from minzheng.api import api
from minzheng.assistance.models import Assessment
from minzheng.cases.models import Case, Decision, Intake
from minzheng.core.access.models import Role
from minzheng.core.access.permissions import PERMISSIONS
from minzheng.core.engine.models import BatchRun
from minzheng.core.parameters.services import parameters_load
from minzheng.payments.models import Enrolment
from minzheng.registry.models import Household
from tests.cases.matrix_api import MATRIX_API
from tests.cases.matrix_web import MATRIX_WEB
from tests.conftest import ROLE_HOME, Tree, make_id_number, make_person
from tests.matrix_support import (
    Endpoint,
    World,
    _district,
    _get,
    _household,
    _person,
    _send,
    _spare,
    _village,
)

NEW_ID = make_id_number("500103", date(1991, 2, 3), 457)

WEB: dict[str, Endpoint] = {
    # Administrators have no registry.stats but get a page pointing them to /admin/, hence "login".
    "home": Endpoint("login", _get(lambda w, own: "/"), other_region=200),
    "household_list": Endpoint(
        "household.view", _get(lambda w, own: f"/households/?q={_household(w, own).number}"), other_region=200
    ),
    "person_search": Endpoint(
        "person.view", _get(lambda w, own: f"/persons/?q={_person(w, own).id_number}"), other_region=200
    ),
    "person_detail": Endpoint("person.view", _get(lambda w, own: f"/persons/{_person(w, own).id}/")),
    "household_detail": Endpoint("household.view", _get(lambda w, own: f"/households/{_household(w, own).id}/")),
    # A list scoped by the query: asking for the other district's household finds none of its events (200, no rows;
    # the rows themselves are checked in tests/core/test_audit_views.py).
    "audit_list": Endpoint(
        "audit.view",
        _get(lambda w, own: f"/audit/?object_type=registry.household&object_id={_household(w, own).id}"),
        other_region=200,
    ),
    # Standards are public policy: every role; a region outside the own subtree and the chain above is a 404.
    "standards": Endpoint("parameter.view", _get(lambda w, own: f"/standards/?region={_district(w, own)}")),
    "enrolments": Endpoint("enrolment.view", _get(lambda w, own: "/enrolments/"), other_region=200),
    "enrolment": Endpoint("enrolment.view", _get(lambda w, own: f"/enrolments/{_enrolment(w, own).pk}/")),
    # The holiday table is national data: no region, the same page for everyone who may see policy data.
    "calendar_years": Endpoint("parameter.view", _get(lambda w, own: "/standards/calendar/"), other_region=200),
    "household_assessment": Endpoint(
        "assessment.view", _get(lambda w, own: f"/households/{_household(w, own).id}/assessment/")
    ),
}
WEB |= MATRIX_WEB


def _enrolment(world: World, own: bool) -> Enrolment:
    """An approved 低保 case's enrolment in the household's village (rows written directly: the lifecycle itself is
    tested in tests/cases)."""
    household = _household(world, own)
    head = household.members.get(is_head=True).person
    intake = Intake.objects.create(household=household, applicant=head, region=household.region, channel="window",
                                   received_on=AS_OF)  # fmt: skip
    case = Case.objects.create(intake=intake, household=household, region=household.region, programme="dibao",
                               procedure="dibao", state="approved")  # fmt: skip
    user = User.objects.create_user(username=f"approver-{household.pk}")
    month = AS_OF.replace(day=1)
    decision = Decision.objects.create(case=case, outcome="approved", decided_on=AS_OF, amount_fen=50000,
                                       start_month=month, document_number="D1", decided_by=user)  # fmt: skip
    return Enrolment.objects.create(programme="dibao", household=household, region=household.region, case=case,
                                    decision=decision, amount_fen=50000, from_month=month,
                                    review_frequency="yearly", next_review_on=AS_OF)  # fmt: skip


def _assessed(call: Callable[[Client, World, bool], Any]) -> Callable[[Client, World, bool], Any]:
    """Store an assessment of the household first (as the services would), then call."""

    def wrapped(client: Client, world: World, own: bool) -> Any:
        run = BatchRun.objects.create(app="assistance", kind="single", as_of=AS_OF)
        Assessment.objects.create(household=_household(world, own), as_of=AS_OF, digest="d", run=run, explanation=[])
        return call(client, world, own)

    return wrapped


def _with_parameters(call: Callable[[Client, World, bool], Any]) -> Callable[[Client, World, bool], Any]:
    def wrapped(client: Client, world: World, own: bool) -> Any:
        parameters_load()
        return call(client, world, own)

    return wrapped


AS_OF = date(2025, 6, 1)
WHAT_IF = {"area": "urban", "as_of": "2025-06-01", "members": [{"id": "p1", "birth_on": "1950-01-01"}]}

API: dict[str, Endpoint] = {
    "region_get": Endpoint("region.view", _get(lambda w, own: f"/api/v1/regions/{_district(w, own)}")),
    "region_children": Endpoint("region.view", _get(lambda w, own: f"/api/v1/regions/{_district(w, own)}/children")),
    "person_list": Endpoint("person.view", _get(lambda w, own: f"/api/v1/persons?region={_district(w, own)}")),
    "person_get": Endpoint("person.view", _get(lambda w, own: f"/api/v1/persons/{_person(w, own).id}")),
    "person_create": Endpoint(
        "person.write",
        _send(
            "post",
            lambda w, own: "/api/v1/persons",
            lambda w, own: {"id_number": NEW_ID, "name": "新人", "hukou_region_code": _village(w, own)},
        ),
        success=201,
        other_region=422,
    ),
    "person_update": Endpoint(
        "person.write",
        _send("patch", lambda w, own: f"/api/v1/persons/{_person(w, own).id}", lambda w, own: {"name": "改名"}),
    ),
    "person_record_death": Endpoint(
        "person.write",
        _send(
            "post",
            lambda w, own: f"/api/v1/persons/{_person(w, own).id}/death",
            lambda w, own: {"died_on": "2024-01-02"},
        ),
    ),
    "household_list": Endpoint("household.view", _get(lambda w, own: f"/api/v1/households?region={_district(w, own)}")),
    "household_get": Endpoint("household.view", _get(lambda w, own: f"/api/v1/households/{_household(w, own).id}")),
    "household_create": Endpoint(
        "household.write",
        _send(
            "post",
            lambda w, own: "/api/v1/households",
            lambda w, own: {
                "number": "HNEW",
                "region_code": _village(w, own),
                "address": "新路1号",
                "hukou_type": "urban",
                "valid_from": "2024-01-01",
                "members": [{"person_id": _spare(w, own).id, "relation": "02"}],
            },
        ),
        success=201,
        other_region=422,
    ),
    "household_update": Endpoint(
        "household.write",
        _send(
            "patch", lambda w, own: f"/api/v1/households/{_household(w, own).id}", lambda w, own: {"address": "新路2号"}
        ),
    ),
    "household_member_add": Endpoint(
        "household.write",
        _send(
            "post",
            lambda w, own: f"/api/v1/households/{_household(w, own).id}/members",
            lambda w, own: {"person_id": _spare(w, own).id, "relation": "20", "valid_from": "2024-01-01"},
        ),
        success=201,
    ),
    "household_member_end": Endpoint(
        "household.write",
        _send(
            "post",
            lambda w, own: f"/api/v1/households/{_household(w, own).id}/members/{_person(w, own).id}/end",
            lambda w, own: {"valid_to": "2024-03-01", "reason": "迁出"},
        ),
    ),
    # A what-if names nobody and stores nothing: any region's published standards may be used (200 both ways).
    "assessment_what_if": Endpoint(
        "assessment.what_if",
        _with_parameters(
            _send("post", lambda w, own: "/api/v1/assessments", lambda w, own: {**WHAT_IF, "region": _district(w, own)})
        ),
        other_region=200,
    ),
    "household_assess": Endpoint(
        "assessment.run",
        _with_parameters(
            _send(
                "post",
                lambda w, own: f"/api/v1/households/{_household(w, own).id}/assessments",
                lambda w, own: {"as_of": "2025-06-01"},
            )
        ),
        success=201,
    ),
    "household_assessment_latest": Endpoint(
        "assessment.view",
        _assessed(_get(lambda w, own: f"/api/v1/households/{_household(w, own).id}/assessments/latest")),
    ),
    "low_income_person_list": Endpoint(
        "assessment.view", _get(lambda w, own: f"/api/v1/low-income-persons?region={_district(w, own)}")
    ),
    "parameter_list": Endpoint("parameter.view", _get(lambda w, own: f"/api/v1/parameters?region={_district(w, own)}")),
    "registry_counts": Endpoint(
        "registry.stats",
        _get(lambda w, own: "/api/v1/registry/counts" + ("" if own else f"?region={_district(w, own)}")),
    ),
}
API |= MATRIX_API


def _url_names(patterns: list[URLPattern | URLResolver], namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            # The portal is for residents, not staff roles: tests/portal checks its own access rules.
            if pattern.namespace in {"admin", "api", "portal"} or str(pattern.pattern) == "i18n/":
                continue
            names |= _url_names(pattern.url_patterns)
        elif pattern.name:
            names.add(pattern.name)
    return names


def _operation_ids() -> set[str]:
    schema = api.get_openapi_schema()
    return {op["operationId"] for methods in schema["paths"].values() for op in methods.values()}


PUBLIC_WEB = {"login", "logout", "set_language"}


def test_every_endpoint_is_in_the_matrix() -> None:
    assert _url_names(get_resolver().url_patterns) - PUBLIC_WEB == set(WEB)
    assert _operation_ids() == set(API)


@pytest.fixture
def world(tree: Tree, family: Household, stranger: Household) -> World:
    return World(
        tree=tree,
        own=family,
        other=stranger,
        own_person=family.members.get(is_head=True).person,
        other_person=stranger.members.get(is_head=True).person,
        spare_own=make_person(tree.village, name="钱九", born=date(2001, 1, 1), sequence=71),
        spare_other=make_person(tree.other_village, name="吴十", born=date(2002, 1, 1), sequence=73),
    )


CASES = [
    (kind, name, role, own)
    for kind, table in (("web", WEB), ("api", API))
    for name in table
    for role in Role.values
    for own in (True, False)
]


@pytest.mark.parametrize(
    ("kind", "name", "role", "own"),
    CASES,
    ids=[f"{k}:{n}:{r}:{'own' if o else 'other'}" for k, n, r, o in CASES],
)
def test_matrix(kind: str, name: str, role: str, own: bool, world: World, logged_in: Callable[..., Client]) -> None:
    endpoint = (WEB if kind == "web" else API)[name]
    client = logged_in(role)
    client.handler.enforce_csrf_checks = False
    response = endpoint.call(client, world, own)
    if endpoint.permission != "login" and role not in PERMISSIONS[endpoint.permission]:
        expected = 403
    elif own or ROLE_HOME[role] == "city":  # a city-wide scope contains the "other" district too
        expected = endpoint.success
    else:
        expected = endpoint.other_region
    assert response.status_code == expected, response.content[:300]
