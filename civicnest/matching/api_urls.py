from django.urls import path

from civicnest.matching import apis

urlpatterns = [
    path("categories/", apis.CategoryListApi.as_view(), name="category-list"),
    path("beneficiaries/", apis.BeneficiaryListApi.as_view(), name="beneficiary-list"),
    path("services/", apis.ServiceListApi.as_view(), name="service-list"),
    path("needs/", apis.NeedListApi.as_view(), name="need-list"),
    path("needs/<int:pk>/matches/", apis.NeedMatchesApi.as_view(), name="need-matches"),
]
