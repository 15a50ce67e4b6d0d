"""Staff pages of core, mounted at the site root by minzheng.urls."""

from django.urls import path

from minzheng.core import calendar_views, views

urlpatterns = [
    path("audit/", views.audit_list, name="audit_list"),
    path("standards/", views.standards, name="standards"),
    path("standards/calendar/", calendar_views.calendar_page, name="calendar_years"),
]
