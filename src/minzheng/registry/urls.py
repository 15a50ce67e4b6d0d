"""Staff pages of the registry, mounted at the site root by minzheng.urls."""

from django.urls import path

from minzheng.registry import views

urlpatterns = [
    path("", views.home, name="home"),
    path("persons/", views.person_search, name="person_search"),
    path("persons/<int:person_id>/", views.person_detail, name="person_detail"),
    path("households/", views.household_search, name="household_list"),
    path("households/<int:household_id>/", views.household_detail, name="household_detail"),
]
