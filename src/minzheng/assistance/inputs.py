"""The input relations of the social-assistance rules: the contract between the data and the SQL (ARCHITECTURE §6).

The same relations come from three places and must look the same in all of them: the registry (`inputs_sql`,
read as Arrow), a household described in JSON (the what-if API) and the YAML scenarios. Identifiers are
int64 from the database and strings in scenarios; every other column has one type here. Amounts are integer
fen; incomes are monthly (a farm's 12-month net income is turned into a monthly figure when it is read,
重庆条例 第12条); dates are dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pyarrow as pa

from minzheng.core.engine.io import arrow_read
from minzheng.registry.relations import Scope, registry_relations, registry_schemas, registry_subjects

# Income kinds (审核确认办法 第13条 five classes, and the items it and local rules exempt).
INCOME_KINDS = (
    "wage",  # 工资性收入
    "business",  # 经营净收入
    "farm",  # 家庭农业经营净收入 (12-month rule, 重庆条例 第12条)
    "property",  # 财产净收入
    "pension",  # 离退休金、职工养老金
    "basic_pension",  # 城乡居民基本养老保险基础养老金 (exempt in 十四五, REFERENCE §16 row 3)
    "support",  # 赡养、抚养、扶养费
    "unemployment",  # 失业保险金
    "transfer",  # other transfer income: compensation, gifts, survivors' allowance
    "special_care",  # 优待抚恤金 (exempt, art. 13 (1))
    "family_planning",  # 计划生育奖励与扶助金 (exempt, art. 13 (1))
    "scholarship",  # 奖学金 (exempt, art. 13 (1))
    "reward",  # 见义勇为等奖励性补助 (exempt, art. 13 (1))
    "assistance",  # 政府社会救助款物 (exempt, art. 13 (2))
    "longevity_allowance",  # 高龄津贴 (Chongqing exemption under art. 13 (4), unconfirmed)
    "disability_subsidy",  # 残疾人两项补贴 (Chongqing exemption under art. 13 (4), unconfirmed)
    "child_allowance",  # 孤儿、事实无人抚养儿童基本生活费 (government assistance; bars the 特困 track)
    "work_injury_care",  # 工伤保险生活护理费 (bars the nursing subsidy)
    "other",
)
ASSET_KINDS = ("deposit", "securities", "vehicle", "mobility_vehicle", "house", "business", "other")
EXPENSE_KINDS = ("medical", "rehabilitation", "education", "other")
ABSENCES = ("prison", "drug_rehab", "missing", "religious", "soldier_unmarried")
HARDSHIP_KINDS = ("emergency", "expense")
AREAS = ("urban", "rural")


def relation_schemas(id_type: pa.DataType) -> dict[str, pa.Schema]:
    """Schema of every input relation, with `id_type` for household and person identifiers: the registry's
    relations (registry/relations.py) and the two that come from applications and enrolments."""
    return registry_schemas(id_type) | {
        "hardships": pa.schema(
            {
                "household_id": id_type,
                "kind": pa.string(),  # HARDSHIP_KINDS: 急难型 or 支出型 临时救助
                "months": pa.int16(),  # 支出型: months of hardship the aid covers
                "need_fen": pa.int64(),  # the declared cost or loss
            }
        ),
        "enrolments": pa.schema(
            {
                "household_id": id_type,
                "person_id": id_type,  # null for a household enrolment
                "programme": pa.string(),  # the programme codes of assistance.rules.PROGRAMMES
                "since": pa.date32(),
                "amount_fen": pa.int64(),  # the monthly amount being paid
            }
        ),
    }


RELATIONS = tuple(relation_schemas(pa.int64()))
PREVIOUS_SCHEMA = pa.schema({
    "household_id": pa.int64(), "person_id": pa.int64(), "programme": pa.string(), "amount_fen": pa.int64(),
    "as_of": pa.date32(),
})  # fmt: skip


@dataclass(frozen=True)
class AssessmentInputs:
    relations: dict[str, pa.Table]
    subjects: pa.Table  # (subject_id, region_id, area): what the parameter store needs
    previous: pa.Table  # PREVIOUS_SCHEMA: the qualifying results of each household's latest stored assessment


def inputs_from_registry(scope: Scope, *, on: date, bulk: bool = False) -> AssessmentInputs:
    """The relations of the households in `scope` as of `on`, read set-based from the database.

    Applications (issue: cases) will bring declared hardships; until then `hardships` from the database is
    empty and 临时救助 is evaluated only for households described in a what-if request. Until the payments
    ledger holds enrolments, a household's latest earlier assessment stands for what it receives."""
    schemas = relation_schemas(pa.int64())
    previous = arrow_read(_previous_sql(scope, on), PREVIOUS_SCHEMA, bulk=bulk)
    relations = registry_relations(scope, on=on, bulk=bulk) | {
        "hardships": schemas["hardships"].empty_table(),
        "enrolments": _enrolments(previous, schemas["enrolments"]),
    }
    return AssessmentInputs(relations, registry_subjects(scope, on=on, bulk=bulk), previous)


def _previous_sql(scope: Scope, on: date) -> str:
    """The results of each household's latest assessment dated before `on`: re-running a date reads the same."""
    return (
        "SELECT r.household_id, r.person_id, r.programme, r.amount_fen, a.as_of"
        " FROM assistance_assessmentresult r JOIN assistance_assessment a ON a.id = r.assessment_id"
        " WHERE a.id IN (SELECT MAX(l.id) FROM assistance_assessment l"
        f" WHERE l.household_id IN ({scope.households_sql()}) AND l.as_of < '{on.isoformat()}'"
        " GROUP BY l.household_id)"
    )


def _enrolments(previous: pa.Table, schema: pa.Schema) -> pa.Table:
    table = previous.rename_columns(["household_id", "person_id", "programme", "amount_fen", "since"])
    return table.select(schema.names).cast(schema)
