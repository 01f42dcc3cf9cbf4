from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import cache_page

from civicnest.core.paging import CappedPaginator
from civicnest.core.views import serve_stored_file
from civicnest.disclosure import selectors as disclosure_selectors
from civicnest.disclosure.models import AnnouncementKind
from civicnest.evaluation.selectors import published_results
from civicnest.philanthropy.selectors import access_public_project, public_projects
from civicnest.philanthropy.services import project_money
from civicnest.portal.selectors import public_center, public_center_list, public_event_list
from civicnest.regions.caching import cached_fragment
from civicnest.regions.selectors import district_list
from civicnest.registry.models import ActivityTeam, Category, SocialOrganization
from civicnest.registry.selectors import public_organization_list, public_team_list
from civicnest.venues.selectors import public_center_rooms


def district_param(request: HttpRequest) -> str:
    """The `district` filter of the public lists: a 6-digit district code, or "" (all) for anything else."""
    district = request.GET.get("district", "")
    return district if district.isdigit() and len(district) == 6 else ""


def portal_home(request: HttpRequest) -> HttpResponse:
    district = district_param(request)
    page = CappedPaginator(public_center_list(district=district), 30).get_page(
        request.GET.get("page")
    )
    districts = district_list()
    return render(
        request,
        "portal/home.html",
        {"page_obj": page, "districts": districts, "district": district},
    )


def portal_organizations(request: HttpRequest) -> HttpResponse:
    """The public directory of registered organizations and filed teams: no personal data."""
    district = district_param(request)
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
                shared=True,
            ),
            "districts": district_list(),
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


# Public pages change when staff publish; a minute of caching absorbs crawler and peak traffic.
PUBLIC_CACHE_SECONDS = 60


@cache_page(PUBLIC_CACHE_SECONDS)
def portal_announcements(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    if kind not in AnnouncementKind.values:
        kind = ""
    page = Paginator(disclosure_selectors.public_announcements(kind=kind), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "portal/announcements.html",
        {"page_obj": page, "kind": kind, "kinds": AnnouncementKind.choices},
    )


@cache_page(PUBLIC_CACHE_SECONDS)
def portal_announcement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = disclosure_selectors.public_announcement(pk)
    return render(request, "portal/announcement_detail.html", {"a": announcement})


def portal_attachment(request: HttpRequest, pk: int) -> FileResponse:
    attachment = disclosure_selectors.public_attachment(pk)
    return serve_stored_file(attachment.file, filename=attachment.original_name)


@cache_page(PUBLIC_CACHE_SECONDS)
def portal_center_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A center's disclosure page (S 四四): what it is, its rooms and services, governance and finances."""
    center = public_center(pk)
    return render(
        request,
        "portal/center_detail.html",
        {
            "center": center,
            "rooms": public_center_rooms(center_id=center.pk),
            "disclosures": disclosure_selectors.public_center_disclosures(center=center),
            "announcements": disclosure_selectors.public_announcements().filter(center=center)[:10],
            "events": public_event_list().filter(center=center)[:10],
            "organizations_served": center.organizations.exclude(status="deregistered").count(),
        },
    )


def portal_projects(request: HttpRequest) -> HttpResponse:
    """Venture-philanthropy and purchased-service projects: published ones, then their results."""

    district = district_param(request)
    page = Paginator(public_projects(district=district), 24).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/projects.html",
        {
            "page_obj": page,
            "districts": district_list(),
            "district": district,
        },
    )


def portal_disclosure_file(request: HttpRequest, pk: int) -> FileResponse:
    disclosure = disclosure_selectors.public_disclosure_file(pk)
    return serve_stored_file(
        disclosure.report_file,
        filename=f"{disclosure.center_id}-{disclosure.year}.{disclosure.report_file.name.rsplit('.', 1)[-1]}",
    )


def portal_project_detail(request: HttpRequest, pk: int) -> HttpResponse:

    project = access_public_project(pk)
    evaluation = getattr(project, "evaluation", None) if hasattr(project, "evaluation") else None
    return render(
        request,
        "portal/project_detail.html",
        {
            "project": project,
            "money": project_money(project),
            "funders": project.subscriptions.count(),
            "evaluation": evaluation if project.status == "completed" else None,
        },
    )


def portal_evaluation(request: HttpRequest) -> HttpResponse:
    """评估结果公示: draft grades under public notice (with the appeal deadline) and confirmed grades."""

    district = district_param(request)
    page = Paginator(published_results(district=district), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/evaluation.html",
        {
            "page_obj": page,
            "districts": district_list(),
            "district": district,
        },
    )
