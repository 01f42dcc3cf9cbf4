from django.urls import path

from civicnest.network import apis

urlpatterns = [
    path("centers/", apis.CenterListApi.as_view(), name="center-list"),
    path("centers/<int:pk>/", apis.CenterDetailApi.as_view(), name="center-detail"),
]
