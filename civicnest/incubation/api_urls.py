from django.urls import path

from civicnest.incubation import apis

urlpatterns = [
    path(
        "incubation/applications/",
        apis.IncubationApplicationListApi.as_view(),
        name="incubation-application-list",
    ),
    path("incubation/tenancies/", apis.TenancyListApi.as_view(), name="incubation-tenancy-list"),
    path(
        "incubation/services/", apis.ServiceRecordListApi.as_view(), name="incubation-service-list"
    ),
]
