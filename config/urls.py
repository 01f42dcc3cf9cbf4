from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.decorators.cache import cache_page
from django.views.i18n import JavaScriptCatalog, set_language

from civicnest.core import views as core_views
from civicnest.portal.sitemaps import SITEMAPS

handler403 = "civicnest.core.views.permission_denied"
handler404 = "civicnest.core.views.page_not_found"
handler500 = "civicnest.core.views.server_error"

urlpatterns = [
    path("api/", include("config.api_urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz/", core_views.health, name="health"),
    path(
        "sitemap.xml",
        cache_page(3600)(sitemap),
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("robots.txt", core_views.robots_txt, name="robots"),
]

urlpatterns += i18n_patterns(
    path("", include("civicnest.shell.urls")),
    path("accounts/", include("civicnest.accounts.urls")),
    path("regions/", include("civicnest.regions.urls")),
    path("network/", include("civicnest.network.urls")),
    path("registry/", include("civicnest.registry.urls")),
    path("incubation/", include("civicnest.incubation.urls")),
    path("venues/", include("civicnest.venues.urls")),
    path("training/", include("civicnest.training.urls")),
    path("matching/", include("civicnest.matching.urls")),
    path("governance/", include("civicnest.governance.urls")),
    path("core/", include("civicnest.core.urls")),
    path("portal/", include("civicnest.portal.urls")),
    path("stats/", include("civicnest.stats.urls")),
    path("disclosure/", include("civicnest.disclosure.urls")),
    path("notices/", include("civicnest.notices.urls")),
    path("party/", include("civicnest.party.urls")),
    path("evaluation/", include("civicnest.evaluation.urls")),
    path("admin/", admin.site.urls),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("philanthropy/", include("civicnest.philanthropy.urls")),
    prefix_default_language=False,
)

admin.site.site_header = "CivicNest 社会组织孵化与服务平台 管理后台"
admin.site.site_title = "CivicNest 管理后台"
admin.site.index_title = "数据管理"

if settings.DEBUG:  # pragma: no cover - development convenience only
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

if settings.BENCH_FLOOR:  # pragma: no cover - only under bench/run_load.sh
    urlpatterns += [path("bench/floor/", core_views.bench_floor, name="bench-floor")]
