"""Schemas of the parameters API (`/api/v1/parameters`)."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema

from minzheng.core.parameters.selectors import ParameterStanding, RegionStandards


class ParametersQuery(Schema):
    region: str | None = Field(
        None,
        pattern=r"^\d{6}(\d{3}){0,2}$",
        description=str(_("区划代码（6、9 或 12 位）；默认本人所属区划。可查本级及下级，以及所属上级区划")),
    )
    on: date | None = Field(None, description=str(_("日期 YYYY-MM-DD；默认今天")))


class ParameterOut(Schema):
    key: str
    title: str
    variant: str
    value: int | str = Field(description=str(_("原始取值：金额以分计，比例以千分比计，期限为整数；选项为字符串")))
    unit: str
    valid_from: date
    region_code: str = Field(description=str(_("取值所属区划：本级或继承自上级")))
    inherited: bool
    status: str
    confirmed: bool
    source: str

    @classmethod
    def from_standing(cls, standing: ParameterStanding) -> ParameterOut:
        version = standing.current.version
        return cls(
            key=version.key,
            title=standing.title,
            variant=version.variant,
            value=version.value,
            unit=version.unit,
            valid_from=version.valid_from,
            region_code=version.region_code,
            inherited=standing.inherited,
            status=version.status,
            confirmed=version.confirmed,
            source=version.source,
        )


class ParameterListOut(Schema):
    region_code: str
    region_name: str
    on: date
    items: list[ParameterOut]

    @classmethod
    def from_standards(cls, standards: RegionStandards) -> ParameterListOut:
        return cls(
            region_code=standards.region.code,
            region_name=standards.region.name,
            on=standards.on,
            items=[ParameterOut.from_standing(standing) for standing in standards.standings],
        )
