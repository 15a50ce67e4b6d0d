"""`calendar_year_loaded` is sent after a year's holiday schedule is committed, so that apps holding deadlines
computed as provisional (cases) can recompute them. Core cannot import the apps; they subscribe in `ready()`."""

from __future__ import annotations

from django.dispatch import Signal

calendar_year_loaded = Signal()  # sender: the CalendarYear model; kwargs: year
