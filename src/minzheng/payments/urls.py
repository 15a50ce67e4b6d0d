"""Staff pages of enrolments (保障对象) after approval: the list with reviews due, and one enrolment's life."""

from django.urls import path

from minzheng.payments import views

app_name = "payments"

urlpatterns = [
    path("enrolments/", views.enrolment_list, name="enrolments"),
    path("enrolments/<int:enrolment_id>/", views.enrolment_detail, name="enrolment"),
]
