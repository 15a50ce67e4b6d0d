"""The resident portal, mounted at /portal/ by minzheng.urls."""

from django.urls import path

from minzheng.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("verify/", views.verify, name="verify"),
    path("logout/", views.logout, name="logout"),
    path("apply/", views.apply, name="apply"),
    path("notices/", views.notices, name="notices"),
]
