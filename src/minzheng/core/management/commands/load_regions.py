"""`minzheng load-regions [--seed S] [--scale demo|full]`: load the Chongqing region tree (idempotent).

Counties come from the shipped data file, townships and villages are generated for districts that have
none yet, and the 2025-11 reform (两江新区) is applied. Running it again changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from minzheng.core.regions.services import region_tree_ensure


class Command(BaseCommand):
    help = "Load the Chongqing divisions, synthetic townships/villages and the 2025 reform (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2025, help="seed of the synthetic townships and villages")
        parser.add_argument(
            "--scale",
            choices=("demo", "full"),
            default="demo",
            help="demo: 4-8 townships per district; full: about 1,031 townships as in the NBS data",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        summary = region_tree_ensure(seed=options["seed"], scale=options["scale"])
        self.stdout.write(
            _(
                "行政区划已就绪：区县 %(districts)d 个（现行 %(current)d 个），乡镇（街道）%(townships)d 个，"
                "村（社区）%(villages)d 个；本次新增区划 %(created)d 条、变更记录 %(changes)d 条。"
            )
            % {
                "districts": summary.districts,
                "current": summary.current_districts,
                "townships": summary.townships,
                "villages": summary.villages,
                "created": summary.created,
                "changes": summary.changes_created,
            }
        )
