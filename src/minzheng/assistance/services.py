"""Assessing households against every assistance programme (REFERENCE §1–5; ARCHITECTURE §6).

Three uses, one rule set: `assessment_evaluate` (a household described in JSON, nothing stored: what-if and the
self-check), `household_assess` (one registered household, stored with its step-by-step explanation) and
`assessments_run` (every household of a region, in chunks, stored set-based with the explanations in
Parquet). All three read the same relations and run `rules_run` on the same SQL.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minzheng.assistance.explain import ProgrammeView, programme_views
from minzheng.assistance.inputs import AssessmentInputs, inputs_from_registry, relation_schemas
from minzheng.assistance.models import Assessment, Programme
from minzheng.assistance.results import household_summaries, result_changes, results_long, unseen
from minzheng.assistance.rules import PROGRAMMES
from minzheng.core.access.actor import Actor
from minzheng.core.audit.services import audit_record
from minzheng.core.engine.io import arrow_read, staged
from minzheng.core.engine.models import BatchRun, BatchRunKind
from minzheng.core.engine.params import params_from_store
from minzheng.core.engine.rules import rule_get
from minzheng.core.engine.runner import Explain, RuleSet, RuleSetResult, rules_run
from minzheng.core.errors import NotFound
from minzheng.core.regions.models import Region
from minzheng.core.regions.selectors import region_by_code
from minzheng.registry.relations import Scope
from minzheng.registry.selectors import household_get

APP = "assistance"
CHUNK_HOUSEHOLDS = 250_000
Progress = Callable[[int, int], None]  # (households done, households in scope)


def assessment_rule_set(as_of: date) -> RuleSet:
    """The programme rules in force on `as_of`, in display order (刚性支出困难 only from 2025-01-01)."""
    rules = (rule_get(rule_id) for rule_id in PROGRAMMES.values())
    return RuleSet(tuple(rule for rule in rules if rule.in_force(as_of)))


@dataclass(frozen=True)
class Computed:
    result: RuleSetResult
    params: pa.Table  # rule_params: the values each household was assessed with


def assessment_compute(
    relations: Mapping[str, pa.Table], subjects: pa.Table, *, as_of: date, explain: Explain
) -> Computed:
    """Every programme rule in force on `as_of` for the households of `subjects` (subject_id, region_id, area)."""
    rule_set = assessment_rule_set(as_of)
    params = params_from_store(rule_set, subjects=subjects, as_of=as_of)
    result = rules_run(rule_set, inputs=relations, params=params, as_of=as_of, explain=explain)
    return Computed(result, params)


# A household described in a request: nothing is stored -------------------------------------------------------


@dataclass(frozen=True)
class WhatIf:
    """A household as JSON: `relations` holds rows of the input relations with string ids chosen by the caller
    (the household's id is WHAT_IF_HOUSEHOLD), already validated against their schema by the interface."""

    region_code: str
    area: str
    as_of: date
    relations: Mapping[str, list[dict[str, Any]]]


@dataclass(frozen=True)
class Evaluation:
    as_of: date
    region: Region
    programmes: list[ProgrammeView]
    names: Mapping[str, str]

    @property
    def monthly_total_fen(self) -> int:
        return sum(p.amount_fen for p in self.programmes if p.qualifies and p.code != Programme.TEMPORARY_AID)


WHAT_IF_HOUSEHOLD = "h"


def assessment_evaluate(*, actor: Actor, what_if: WhatIf) -> Evaluation:
    """Evaluate a described household against every programme with the parameters in force in its region."""
    actor.require("assessment.what_if")
    region = region_by_code(code=what_if.region_code, on=what_if.as_of)
    if region is None:
        raise NotFound("region.not_found", _("区划代码不存在"), field="region")
    schemas = relation_schemas(pa.string())
    relations = {
        name: pa.Table.from_pylist(list(what_if.relations.get(name, [])), schema) for name, schema in schemas.items()
    }
    subjects = pa.table({
        "subject_id": pa.array([WHAT_IF_HOUSEHOLD]), "region_id": pa.array([region.pk], pa.int64()),
        "area": pa.array([what_if.area]),
    })  # fmt: skip
    result = assessment_compute(relations, subjects, as_of=what_if.as_of, explain="steps").result
    results = results_long(result.outputs, PROGRAMMES).to_pylist()
    names = {row["person_id"]: row.get("name") or row["person_id"] for row in what_if.relations.get("persons", [])}
    views = programme_views(_explanation_rows(result), results, as_of=what_if.as_of, names=names)
    return Evaluation(as_of=what_if.as_of, region=region, programmes=views, names=names)


# One registered household --------------------------------------------------------------------------------


@transaction.atomic
def household_assess(*, actor: Actor, household_id: int, as_of: date) -> Assessment:
    """Assess one household and store the result with its explanation; an unchanged result is not stored twice."""
    actor.require("assessment.run")
    household = household_get(actor=actor, household_id=household_id)
    inputs_scope = Scope(region_path=household.region.path, ids=[household.pk])
    inputs = inputs_from_registry(inputs_scope, on=as_of)
    if inputs.subjects.num_rows == 0:
        raise NotFound("assessment.no_members", _("该户在评估日期没有家庭成员"), field="as_of")
    result = assessment_compute(inputs.relations, inputs.subjects, as_of=as_of, explain="steps").result
    run = _run_create(actor=actor, kind=BatchRunKind.SINGLE, as_of=as_of, region=household.region, result=result)
    explanation = _explanation_json(result)
    written = _store(run, as_of, inputs_scope, inputs, result, explanation=explanation)
    run.counts = written
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "finished_at"])
    assessment = Assessment.objects.filter(household=household, as_of=as_of).order_by("-id").first()
    assert assessment is not None
    audit_record(
        actor=actor, action="assessment.create", obj=assessment, region=household.region, detail={"run": run.pk}
    )
    return assessment


def _explanation_rows(result: RuleSetResult) -> list[dict[str, Any]]:
    assert result.explanations is not None
    rows: list[dict[str, Any]] = result.explanations.to_pylist()
    for row in rows:
        row["values"], row["params"] = json.loads(row["values"]), json.loads(row["params"])
    return rows


def _explanation_json(result: RuleSetResult) -> str:
    return json.dumps(_explanation_rows(result), ensure_ascii=False)


# Every household of a region --------------------------------------------------------------------------------


@dataclass
class RunSummary:
    run_id: int
    as_of: date
    region_code: str
    households: int = 0
    assessments_written: int = 0
    results_written: int = 0
    changes: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    explanations_path: str = ""


def assessments_run(
    *, actor: Actor | None, as_of: date, region: Region, progress: Progress | None = None
) -> RunSummary:
    """Re-assess every household of `region` on `as_of`, in chunks of household ids, and store what changed.

    `actor=None` is the operator at the command line. Each chunk is read, computed and written in its own
    transaction, so an interrupted run leaves whole chunks and running it again completes it: assessments
    already stored are recognised by their digest and not written twice."""
    if actor is not None:
        actor.require("assessment.batch")
    bounds = _id_bounds(region)
    run = _run_create(actor=actor, kind=BatchRunKind.BATCH, as_of=as_of, region=region, result=None)
    summary = RunSummary(run_id=run.pk, as_of=as_of, region_code=region.code)
    directory = Path(settings.DATA_DIR) / "runs" / str(run.pk)
    summary.explanations_path = str(directory)
    for index, (low, high) in enumerate(_chunks(*bounds)):
        _chunk_run(summary, run, Scope(region_path=region.path, id_from=low, id_to=high), directory, index)
        if progress is not None:
            progress(high - bounds[0], bounds[1] - bounds[0])
    _run_finish(run, summary)
    audit_record(actor=actor, action="assessment.run", obj=run, region=region, detail=_run_detail(summary))
    return summary


def _id_bounds(region: Region) -> tuple[int, int]:
    scope = Scope(region_path=region.path)
    sql = f"SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), -1) + 1 FROM ({scope.households_sql()}) s"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        low, high = cursor.fetchone()
    return int(low), int(high)


def _chunks(low: int, high: int) -> list[tuple[int, int]]:
    return [(start, min(start + CHUNK_HOUSEHOLDS, high)) for start in range(low, high, CHUNK_HOUSEHOLDS)]


def _chunk_run(summary: RunSummary, run: BatchRun, scope: Scope, directory: Path, index: int) -> None:
    clock = _Clock(summary.seconds)
    inputs = inputs_from_registry(scope, on=summary.as_of, bulk=True)
    clock.lap("read")
    computed = assessment_compute(inputs.relations, inputs.subjects, as_of=summary.as_of, explain="final")
    result = computed.result
    clock.lap("compute")
    _explanations_write(directory, index, computed)
    clock.lap("explanations")
    written = _store(run, summary.as_of, scope, inputs, result, explanation=None)
    clock.lap("write")
    summary.households += inputs.subjects.num_rows
    summary.assessments_written += written["assessments"]
    summary.results_written += written["results"]
    for row in written["changes"]:
        totals = summary.changes.setdefault(str(row["programme"]), {})
        for key, value in row.items():
            if key != "programme":
                totals[key] = totals.get(key, 0) + int(value)


def _explanations_write(directory: Path, index: int, computed: Computed) -> None:
    """Each rule's last step, as typed columns, to `<run>/<rule id>/part-<n>.parquet`, and the parameters used
    to `<run>/rule_params/part-<n>.parquet` (ARCHITECTURE §6)."""
    tables = computed.result.outputs | {"rule_params": computed.params}
    for rule_id, table in tables.items():
        target = directory / rule_id
        target.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, target / f"part-{index:04d}.parquet")


def _run_finish(run: BatchRun, summary: RunSummary) -> None:
    run.counts = _run_detail(summary)
    run.explanations_path = summary.explanations_path
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "explanations_path", "finished_at"])


def _run_detail(summary: RunSummary) -> dict[str, Any]:
    return {
        "households": summary.households,
        "assessments_written": summary.assessments_written,
        "results_written": summary.results_written,
        "changes": summary.changes,
    }


class _Clock:
    def __init__(self, totals: dict[str, float]) -> None:
        self.totals, self.started = totals, time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.totals[name] = self.totals.get(name, 0.0) + now - self.started
        self.started = now


# Writing back ----------------------------------------------------------------------------------------------


def _run_create(
    *, actor: Actor | None, kind: str, as_of: date, region: Region, result: RuleSetResult | None
) -> BatchRun:
    rules = assessment_rule_set(as_of).rules
    return BatchRun.objects.create(
        app=APP,
        kind=kind,
        as_of=as_of,
        region=region,
        rule_versions={rule.id: rule.version for rule in rules},
        started_by_id=actor.user_id if actor else None,
    )


def _store(
    run: BatchRun,
    as_of: date,
    scope: Scope,
    inputs: AssessmentInputs,
    result: RuleSetResult,
    *,
    explanation: str | None,
) -> dict[str, Any]:
    """Insert the assessments whose digest is new for (household, date), then their qualifying results.

    Households whose (date, digest) is already stored are dropped before staging, so an unchanged re-run stages
    and writes nothing; the natural key with ON CONFLICT DO NOTHING still guards against a concurrent run.
    Staging happens before the transaction (on PostgreSQL by ADBC's binary COPY); the two INSERTs are atomic."""
    results = results_long(result.outputs, PROGRAMMES)
    summaries = household_summaries(inputs.relations["households"], results, result.outputs)
    changes = result_changes(results, inputs.previous.drop_columns(["as_of"]))
    stored = arrow_read(_digests_sql(scope, as_of), DIGESTS_SCHEMA, bulk=True)
    summaries, results = unseen(summaries, results, stored)
    summaries = summaries.append_column("explanation", pa.array([explanation] * summaries.num_rows, pa.string()))
    counts = {"assessments": 0, "results": 0, "changes": changes}
    if summaries.num_rows == 0:
        return counts
    with (
        staged(summaries, index="household_id") as households,
        staged(results, index="household_id") as rows,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(_assessments_insert_sql(households, run.pk, as_of))
        counts["assessments"] = max(cursor.rowcount, 0)
        cursor.execute(_results_insert_sql(rows, run.pk))
        counts["results"] = max(cursor.rowcount, 0)
    return counts


DIGESTS_SCHEMA = pa.schema({"household_id": pa.int64(), "digest": pa.string()})


def _digests_sql(scope: Scope, as_of: date) -> str:
    return (
        "SELECT household_id, digest FROM assistance_assessment"
        f" WHERE as_of = '{as_of.isoformat()}' AND household_id IN ({scope.households_sql()})"
    )


def _json(column: str) -> str:
    return f"CAST({column} AS jsonb)" if connection.vendor == "postgresql" else column


def _assessments_insert_sql(stage: str, run_id: int, as_of: date) -> str:
    created = timezone.now().replace(tzinfo=None).isoformat(sep=" ")
    return (
        "INSERT INTO assistance_assessment (household_id, as_of, digest, run_id, results, explanation, created_at)"
        f" SELECT s.household_id, '{as_of.isoformat()}', s.digest, {int(run_id)}, {_json('s.results')},"
        f" {_json('s.explanation')}, '{created}' FROM {stage} s"
        " WHERE TRUE"  # SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT to parse it
        " ON CONFLICT (household_id, as_of, digest) DO NOTHING"
    )


def _results_insert_sql(stage: str, run_id: int) -> str:
    until = "CAST(r.valid_until AS DATE)" if connection.vendor == "postgresql" else "r.valid_until"
    return (
        "INSERT INTO assistance_assessmentresult"
        " (assessment_id, household_id, person_id, programme, amount_fen, valid_until, tier, category)"
        f" SELECT a.id, r.household_id, r.person_id, r.programme, r.amount_fen, {until}, COALESCE(r.tier, ''),"
        f" r.category FROM {stage} r JOIN assistance_assessment a"
        f" ON a.household_id = r.household_id AND a.run_id = {int(run_id)}"
    )
