"""Staff pages of the case workflow, mounted at the site root by minzheng.urls."""

from django.urls import path

from minzheng.cases import views, views_case, views_intake, views_referrals

app_name = "cases"
urlpatterns = [
    path("cases/", views.queue, name="queue"),
    path("cases/bulk/", views.bulk, name="bulk"),
    path("cases/dashboard/", views.dashboard, name="dashboard"),
    path("cases/notices/", views.notices, name="notices"),
    path("cases/notices/list.pdf", views.notice_pdf, name="notice_pdf"),
    path("cases/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("cases/new/", views_intake.intake, name="intake"),
    path("cases/new/validate/", views_intake.validate, name="intake_validate"),
    path("cases/new/row/", views_intake.declared_row, name="intake_row"),
    path("cases/intakes/<int:intake_id>/attachments/", views_case.attachment_upload, name="attachment_add"),
    path("cases/referrals/", views_referrals.referrals, name="referrals"),
    path("cases/referrals/<int:referral_id>/", views_referrals.referral, name="referral"),
    path("cases/<int:case_id>/", views_case.detail, name="detail"),
    path("cases/<int:case_id>/act/", views_case.act, name="act"),
    path("cases/<int:case_id>/home-visits/", views_case.home_visit, name="home_visit"),
    path("cases/<int:case_id>/economic-check/", views_case.economic_check, name="economic_check"),
    path("cases/<int:case_id>/extend/", views_case.extend, name="extend"),
    path("cases/<int:case_id>/assign/", views_case.assign, name="assign"),
    path("cases/<int:case_id>/advance-aid/", views_case.advance_aid, name="advance_aid"),
    path("cases/<int:case_id>/notified/", views_case.notified, name="notified"),
    path("cases/<int:case_id>/referrals/", views_case.referral_new, name="referral_send"),
    path("cases/<int:case_id>/completeness/", views_case.completeness, name="completeness"),
    path("cases/<int:case_id>/documents/<slug:kind>.pdf", views.document, name="document"),
]
