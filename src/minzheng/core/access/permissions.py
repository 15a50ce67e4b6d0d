"""Which role may do what (ARCHITECTURE §7 Access control). One table, checked by the permission matrix tests.

Region scope is applied separately by every selector and service; this table only answers "may this role
perform this kind of action at all". The administrator configures the system and sees no case data.
"""

from __future__ import annotations

from typing import Literal

from minzheng.core.access.models import Role

Permission = Literal[
    "region.view",
    "registry.stats",
    "person.view",
    "person.unmask",
    "person.write",
    "household.view",
    "household.write",
    "registry.import",
    "audit.view",
    "assessment.view",
    "assessment.run",
    "assessment.what_if",
    "assessment.batch",
    "parameter.view",
    "parameter.propose",
    "parameter.approve",
    "case.view",
    "case.intake",
    "case.accept",
    "case.review",
    "case.approve",
    "case.approve_delegated",
    "case.manage",
    "referral.view",
    "referral.send",
    "referral.feedback",
    "enrolment.view",
    "enrolment.manage",
    "enrolment.stop",
]

_CASEWORK = frozenset(
    {Role.VILLAGE_ASSISTANT, Role.TOWNSHIP_CASEWORKER, Role.TOWNSHIP_REVIEWER, Role.DISTRICT_APPROVER}
)
_DATA_READERS = _CASEWORK | {Role.CITY_ANALYST, Role.SUPERVISOR}

PERMISSIONS: dict[str, frozenset[str]] = {
    "region.view": frozenset(Role.values),
    "registry.stats": _DATA_READERS,
    "person.view": _DATA_READERS,
    "household.view": _DATA_READERS,
    # Full ID numbers and phones: staff who contact residents or decide cases; each use is audited.
    "person.unmask": frozenset(
        {Role.TOWNSHIP_CASEWORKER, Role.TOWNSHIP_REVIEWER, Role.DISTRICT_APPROVER, Role.SUPERVISOR}
    ),
    # Registering households and recording changes: village assistants and township caseworkers.
    "person.write": frozenset({Role.VILLAGE_ASSISTANT, Role.TOWNSHIP_CASEWORKER}),
    "household.write": frozenset({Role.VILLAGE_ASSISTANT, Role.TOWNSHIP_CASEWORKER}),
    "registry.import": frozenset({Role.TOWNSHIP_CASEWORKER}),
    "audit.view": frozenset({Role.SUPERVISOR}),
    # Assessments: everyone who reads case data sees them; the caseworkers who take applications run and store
    # one; a what-if check stores nothing and names nobody, so every staff role that meets residents may use it.
    # Re-assessing a whole region is the analysts' and district approvers' tool (and the operator's CLI).
    "assessment.view": _DATA_READERS,
    "assessment.run": _CASEWORK,
    "assessment.what_if": _DATA_READERS,
    "assessment.batch": frozenset({Role.DISTRICT_APPROVER, Role.CITY_ANALYST}),
    # Policy parameters: the standards in force are public policy, readable by every staff role; changes are
    # maker-checker between two administrators (the services refuse self-approval).
    "parameter.view": frozenset(Role.values),
    "parameter.propose": frozenset({Role.ADMINISTRATOR}),
    "parameter.approve": frozenset({Role.ADMINISTRATOR}),
    # Cases (REFERENCE §1.3, §1.9): village assistants file applications for residents; the township caseworker
    # accepts and investigates; the township reviewer does 初审 and the public notice; the district approves, or
    # the township reviewer where approval is delegated. Reviewers and approvers assign work and grant extensions.
    "case.view": _DATA_READERS,
    "case.intake": frozenset({Role.VILLAGE_ASSISTANT, Role.TOWNSHIP_CASEWORKER}),
    "case.accept": frozenset({Role.TOWNSHIP_CASEWORKER}),
    "case.review": frozenset({Role.TOWNSHIP_REVIEWER}),
    "case.approve": frozenset({Role.DISTRICT_APPROVER}),
    "case.approve_delegated": frozenset({Role.TOWNSHIP_REVIEWER, Role.DISTRICT_APPROVER}),
    "case.manage": frozenset({Role.TOWNSHIP_REVIEWER, Role.DISTRICT_APPROVER}),
    # Referrals (一门受理、协同办理): a department officer sees and answers only its own department's referrals.
    "referral.view": _DATA_READERS | {Role.DEPARTMENT_OFFICER},
    "referral.send": frozenset({Role.TOWNSHIP_CASEWORKER, Role.TOWNSHIP_REVIEWER}),
    "referral.feedback": frozenset({Role.DEPARTMENT_OFFICER}),
    # Enrolments after approval: reviews and changes by the township, stops decided by the district.
    "enrolment.view": _DATA_READERS,
    "enrolment.manage": frozenset({Role.TOWNSHIP_CASEWORKER, Role.DISTRICT_APPROVER}),
    "enrolment.stop": frozenset({Role.DISTRICT_APPROVER}),
}


def roles_allowed(permission: Permission) -> frozenset[str]:
    return PERMISSIONS[permission]
