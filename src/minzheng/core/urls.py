"""Staff pages of core, mounted at the site root by minzheng.urls."""

from django.urls import path

from minzheng.core import views

urlpatterns = [
    path("audit/", views.audit_list, name="audit_list"),
    path("standards/", views.standards, name="standards"),
]
