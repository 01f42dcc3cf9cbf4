from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from civicnest.core.fragments import cached_fragment
from civicnest.core.paging import CappedPaginator
from civicnest.portal.selectors import public_center_list, public_event_list
from civicnest.regions.models import Region, RegionLevel
from civicnest.registry.models import ActivityTeam, Category, SocialOrganization
from civicnest.registry.selectors import public_organization_list, public_team_list


def portal_home(request: HttpRequest) -> HttpResponse:
    district = request.GET.get("district", "")
    if district and not (district.isdigit() and len(district) == 6):
        district = ""
    page = CappedPaginator(public_center_list(district=district), 30).get_page(
        request.GET.get("page")
    )
    districts = Region.objects.filter(level=RegionLevel.DISTRICT).order_by("code")
    return render(
        request,
        "portal/home.html",
        {"page_obj": page, "districts": districts, "district": district},
    )


def portal_organizations(request: HttpRequest) -> HttpResponse:
    """The public directory of registered organizations and filed teams: no personal data."""
    district = request.GET.get("district", "")
    if district and not (district.isdigit() and len(district) == 6):
        district = ""
    q = request.GET.get("q", "").strip()[:50]
    filters = {"region": district, "q": q, "category": request.GET.get("category", "")}
    if filters["category"] not in Category.values:
        filters["category"] = ""

    def directory() -> str:
        orgs = CappedPaginator(public_organization_list(filters=filters), 30).get_page(
            request.GET.get("page")
        )
        teams = public_team_list(district=district)[:60]
        return render_to_string(
            "portal/_organization_directory.html",
            {"page_obj": orgs, "teams": teams, "request": request},
        )

    return render(
        request,
        "portal/organizations.html",
        {
            "directory": cached_fragment(
                name="portal-orgs",
                request=request,
                models=[SocialOrganization, ActivityTeam],
                render=directory,
            ),
            "districts": Region.objects.filter(level=RegionLevel.DISTRICT).order_by("code"),
            "district": district,
            "q": q,
            "categories": Category.choices,
            "category": filters["category"],
        },
    )


def portal_events(request: HttpRequest) -> HttpResponse:
    """Published forums, showcases and fairs, with the report and photos once they are over."""
    page = CappedPaginator(public_event_list(), 20).get_page(request.GET.get("page"))
    return render(request, "portal/events.html", {"page_obj": page})
