from django.urls import path

from civicnest.philanthropy import apis

urlpatterns = [
    path("programs/", apis.ProgramListApi.as_view(), name="program-list"),
    path("proposals/", apis.ProposalListApi.as_view(), name="proposal-list"),
    path("projects/", apis.ProjectListApi.as_view(), name="project-list"),
    path(
        "projects/<int:pk>/subscriptions/",
        apis.SubscriptionApi.as_view(),
        name="project-subscriptions",
    ),
    path("projects/<int:pk>/tranches/", apis.TrancheApi.as_view(), name="project-tranches"),
    path("funds/<int:pk>/ledger/", apis.LedgerApi.as_view(), name="fund-ledger"),
]
