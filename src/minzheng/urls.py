from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from minzheng.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(template_name="core/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("portal/", include("minzheng.portal.urls")),
    path("", include("minzheng.core.urls")),
    path("", include("minzheng.registry.urls")),
    path("", include("minzheng.assistance.urls")),
    path("", include("minzheng.cases.urls")),
    path("", include("minzheng.payments.urls")),
]
