from django.urls import path

from civicnest.registry import apis

urlpatterns = [
    path("organizations/", apis.OrganizationListApi.as_view(), name="organization-list"),
    path(
        "organizations/<int:pk>/", apis.OrganizationDetailApi.as_view(), name="organization-detail"
    ),
    path("teams/", apis.TeamListApi.as_view(), name="team-list"),
    path("teams/<int:pk>/transition/", apis.TeamTransitionApi.as_view(), name="team-transition"),
    path("annual-reports/", apis.AnnualReportListApi.as_view(), name="annual-report-list"),
]
