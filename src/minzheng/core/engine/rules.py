"""Rule metadata and the rule registry (ARCHITECTURE §6).

A rule is data: its SQL steps live beside it in `<app>/rules/*.sql`, and the metadata here says which legal
texts it implements, when it is in force, which parameters it reads and which computed columns explain a
decision. Apps declare their rules in `rules/__init__.py` and call `rule_register`; core never imports an
app (ARCHITECTURE §1), so the registry finds those modules through Django's app registry on first use.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache

from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _

from minzheng.core.errors import Conflict, NotFound

SUBJECTS = ("household", "person")
_RULE_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_PARAM_KEY = _RULE_ID
_STEP = re.compile(r"^[a-z][a-z0-9_]*\.sql$")
_COLUMN = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Rule:
    """One versioned rule. A change of meaning is a new `version`, never an edit of a released one."""

    id: str  # dotted, e.g. "dibao.eligibility"
    version: int
    app: str  # the app whose `rules/` package holds the step files
    subject: str  # what one result row is about: "household" or "person"
    title: str  # Chinese, shown to staff
    sources: tuple[str, ...]  # legal citations: document and articles
    effective_from: date
    effective_to: date | None  # last day in force; None while in force
    params: tuple[str, ...]  # parameter keys; variants (urban/rural …) are resolved per subject
    steps: tuple[str, ...]  # SQL file names in `<app>/rules/`, run in order; the last one is the result
    explain: tuple[str, ...]  # computed columns copied into the explanation rows wherever a step has them

    def __post_init__(self) -> None:
        problems = list(_problems(self))
        if problems:
            raise ValueError(f"Rule {self.id}: " + "; ".join(problems))

    @property
    def subject_key(self) -> str:
        """The key column every step returns, e.g. `household_id`."""
        return f"{self.subject}_id"

    @property
    def step_names(self) -> tuple[str, ...]:
        """Relation names of the steps: the file names without `.sql`."""
        return tuple(step.removesuffix(".sql") for step in self.steps)

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


def _problems(rule: Rule) -> Iterator[str]:
    """Metadata mistakes, caught when the app module is imported rather than in the middle of a batch."""
    if not _RULE_ID.match(rule.id):
        yield f"id {rule.id!r}"
    if rule.version < 1:
        yield f"version {rule.version}"
    if rule.subject not in SUBJECTS:
        yield f"subject {rule.subject!r}"
    if not rule.sources or not all(source.strip() for source in rule.sources):
        yield "every rule cites its legal source"
    if not rule.steps or len(set(rule.steps)) != len(rule.steps):
        yield "steps must be present and distinct"
    if rule.effective_to is not None and rule.effective_to < rule.effective_from:
        yield "effective_to before effective_from"
    yield from (f"step {step!r}" for step in rule.steps if not _STEP.match(step))
    yield from (f"parameter {key!r}" for key in rule.params if not _PARAM_KEY.match(key))
    yield from (f"explain column {column!r}" for column in rule.explain if not _COLUMN.match(column))


_registry: dict[str, Rule] = {}


def rule_register(*rules: Rule) -> None:
    """Add rules to the registry; registering the same rule twice is harmless, a different one with its id is not."""
    for rule in rules:
        known = _registry.get(rule.id)
        if known is not None and known != rule:
            raise Conflict("rule.duplicate", _("规则编号重复：%(id)s") % {"id": rule.id}, field="id")
        _registry[rule.id] = rule


def rule_get(rule_id: str) -> Rule:
    _discover()
    rule = _registry.get(rule_id)
    if rule is None:
        raise NotFound("rule.not_found", _("未找到规则：%(id)s") % {"id": rule_id}, field="rule")
    return rule


def rules_for(app: str) -> list[Rule]:
    """The rules an app declares, by id."""
    _discover()
    return sorted((rule for rule in _registry.values() if rule.app == app), key=lambda rule: rule.id)


@cache
def _discover() -> None:
    """Import every installed app's `rules` module once (the way Django's admin finds `admin.py`)."""
    autodiscover_modules("rules")
