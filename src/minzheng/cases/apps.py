from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "minzheng.cases"
    label = "cases"
    verbose_name = _("救助申请办理")

    def ready(self) -> None:
        from minzheng.cases.services import provisional_deadlines_refresh
        from minzheng.core.calendar.signals import calendar_year_loaded

        def refresh(**_kwargs: object) -> None:
            provisional_deadlines_refresh()

        calendar_year_loaded.connect(refresh, weak=False, dispatch_uid="cases.provisional_deadlines_refresh")
