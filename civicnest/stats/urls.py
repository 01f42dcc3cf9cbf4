from django.urls import path

from civicnest.stats import views

app_name = "stats"
urlpatterns = [
    path("", views.stats_dashboard, name="dashboard"),
    path("reports/", views.report_list, name="report-list"),
    path("reports/<int:pk>/row/", views.report_row, name="report-row"),
    path("reports/<int:pk>/retry/", views.report_retry, name="report-retry"),
    path("reports/<int:pk>/<str:kind>/", views.report_download, name="report-download"),
]
