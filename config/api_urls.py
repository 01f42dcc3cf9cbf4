"""The API: /api/v1/ routes of every app, the token endpoint, the schema and its local Swagger UI."""

from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from civicnest.accounts.apis import MeApi, TokenObtainApi

v1: list[URLPattern | URLResolver] = [
    path("auth/token/", TokenObtainApi.as_view(), name="auth-token"),
    path("me/", MeApi.as_view(), name="me"),
    path("", include("civicnest.regions.api_urls")),
    path("", include("civicnest.network.api_urls")),
    path("", include("civicnest.registry.api_urls")),
    path("", include("civicnest.incubation.api_urls")),
    path("", include("civicnest.venues.api_urls")),
    path("", include("civicnest.training.api_urls")),
    path("", include("civicnest.matching.api_urls")),
    path("", include("civicnest.governance.api_urls")),
    path("", include("civicnest.stats.api_urls")),
    path("", include("civicnest.core.api_urls")),
    path("", include("civicnest.philanthropy.api_urls")),
    path("", include("civicnest.evaluation.api_urls")),
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="api")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file, so the CSP needs no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
]
