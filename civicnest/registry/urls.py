from django.urls import path

from civicnest.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.organization_list_view, name="org-list"),
    path("new/", views.organization_create_view, name="org-create"),
    path("import/", views.organization_import_view, name="org-import"),
    path("import/template/", views.import_template_view, name="org-import-template"),
    path("import/<int:pk>/", views.import_job_view, name="org-import-job"),
    path("import/<int:pk>/errors.xlsx", views.import_errors_view, name="org-import-errors"),
    path("<int:pk>/", views.organization_detail_view, name="org-detail"),
    path("<int:pk>/edit/", views.organization_edit_view, name="org-edit"),
    path("<int:pk>/credit/", views.credit_add_view, name="org-credit-add"),
    path("<int:pk>/consulting/", views.consulting_add_view, name="org-consulting-add"),
    path("<int:pk>/archives/", views.archive_upload_view, name="org-archive-upload"),
    path("<int:pk>/reports/new/", views.annual_report_create_view, name="report-create"),
    path("archives/<int:pk>/download/", views.archive_download_view, name="archive-download"),
    path("reports/", views.annual_report_list_view, name="report-list"),
    path("reports/<int:pk>/", views.annual_report_review_view, name="report-review"),
    path("teams/", views.team_list_view, name="team-list"),
    path("teams/new/", views.team_create_view, name="team-create"),
    path("teams/<int:pk>/", views.team_detail_view, name="team-detail"),
    path("teams/<int:pk>/edit/", views.team_edit_view, name="team-edit"),
    path("teams/<int:pk>/transition/", views.team_transition_view, name="team-transition"),
    path("teams/<int:pk>/confirm/", views.team_confirm_view, name="team-confirm"),
    path("teams/<int:pk>/guidance/", views.team_guidance_view, name="team-guidance"),
]
