from django.urls import path

from civicnest.stats import apis

urlpatterns = [
    path("stats/overview/", apis.StatsOverviewApi.as_view(), name="stats-overview"),
    path("stats/children/", apis.StatsChildrenApi.as_view(), name="stats-children"),
]
