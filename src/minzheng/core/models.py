"""The core app's tables live in its sub-packages; Django discovers them through this module."""

from minzheng.core.access.models import ApiToken, Role, Staff, StaffRole
from minzheng.core.audit.models import AuditEvent
from minzheng.core.calendar.models import CalendarDay, CalendarDayKind, CalendarYear
from minzheng.core.documents.models import DocumentTemplate
from minzheng.core.engine.models import BatchRun, BatchRunKind
from minzheng.core.imports.models import ImportBatch
from minzheng.core.parameters.models import Parameter, ParameterProposal
from minzheng.core.regions.models import Region, RegionChange, RegionChangeKind, RegionLevel, UrbanRuralClass

__all__ = [
    "ApiToken",
    "AuditEvent",
    "BatchRun",
    "BatchRunKind",
    "CalendarDay",
    "CalendarDayKind",
    "CalendarYear",
    "DocumentTemplate",
    "ImportBatch",
    "Parameter",
    "ParameterProposal",
    "Region",
    "RegionChange",
    "RegionChangeKind",
    "RegionLevel",
    "Role",
    "Staff",
    "StaffRole",
    "UrbanRuralClass",
]
