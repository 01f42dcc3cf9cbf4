from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from civicnest.portal.selectors import public_center_list
from civicnest.regions.models import Region, RegionLevel


def portal_home(request: HttpRequest) -> HttpResponse:
    district = request.GET.get("district", "")
    if district and not (district.isdigit() and len(district) == 6):
        district = ""
    page = Paginator(public_center_list(district=district), 30).get_page(request.GET.get("page"))
    districts = Region.objects.filter(level=RegionLevel.DISTRICT).order_by("code")
    return render(
        request,
        "portal/home.html",
        {"page_obj": page, "districts": districts, "district": district},
    )
