"""Staff pages of social assistance, mounted at the site root by minzheng.urls."""

from django.urls import path

from minzheng.assistance import views

app_name = "assistance"
urlpatterns = [
    path("households/<int:household_id>/assessment/", views.household_assessment, name="household_assessment"),
]
