"""The dashboard page, the stats API and the 情况专报 from request to downloaded PDF and workbook."""

from __future__ import annotations

import datetime
import io
import subprocess
import tempfile
from collections.abc import Callable

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.registry.tests.factories import OrganizationFactory
from civicnest.stats.models import ReportStatus, StatReport

JIANGAN = "420102"
WUCHANG = "420106"


@pytest.fixture
def orgs(db: None) -> None:
    OrganizationFactory.create(
        region_id=JIANGAN, name="江岸区阳光助老服务中心", registered_on=datetime.date(2025, 3, 1)
    )
    OrganizationFactory.create(
        region_id="420102002", registered_on=datetime.date(2026, 3, 1), org_type="social_group"
    )
    OrganizationFactory.create(region_id=WUCHANG, registered_on=datetime.date(2026, 5, 1))


def test_city_dashboard_drills_down_to_a_district(client, city_officer: User, orgs: None) -> None:
    client.force_login(city_officer)
    page = client.get(reverse("stats:dashboard"), {"period": "2026"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "武汉市统计看板" in html
    assert 'data-testid="figure-org_total">3<' in html
    assert f'data-testid="drill-{JIANGAN}"' in html and f'data-testid="drill-{WUCHANG}"' in html
    district = client.get(reverse("stats:dashboard"), {"region": JIANGAN, "period": "2026"})
    html = district.content.decode()
    assert 'data-testid="figure-org_total">2<' in html
    assert "江岸区统计看板" in html
    assert 'data-testid="drill-420102002"' in html  # streets of the district
    assert ">武汉市</a>" in html  # the breadcrumb leads back up


def test_district_dashboard_has_no_other_districts_numbers(
    client, jiangan_officer: User, orgs: None
) -> None:
    client.force_login(jiangan_officer)
    html = client.get(reverse("stats:dashboard"), {"period": "2026"}).content.decode()
    assert "江岸区统计看板" in html
    assert 'data-testid="figure-org_total">2<' in html  # not 3: Wuchang's organization is out
    assert "武昌区" not in html and ">武汉市</a>" not in html
    assert client.get(reverse("stats:dashboard"), {"region": WUCHANG}).status_code == 404
    assert client.get(reverse("stats:dashboard"), {"region": "4201"}).status_code == 404


def test_bad_period_is_explained_and_non_staff_are_refused(
    client, jiangan_officer: User, make_user: Callable[..., User]
) -> None:
    client.force_login(jiangan_officer)
    html = client.get(reverse("stats:dashboard"), {"period": "2026-13"}).content.decode()
    assert "统计期格式应为" in html
    client.force_login(make_user(Role.RESIDENT, "420102002003"))
    assert client.get(reverse("stats:dashboard")).status_code == 403
    assert client.get(reverse("stats:report-list")).status_code == 403


def test_stats_api(api_client, jiangan_officer: User, orgs: None) -> None:
    api_client.force_authenticate(jiangan_officer)
    data = api_client.get(reverse("api:stats-overview"), {"period": "2026"}).json()
    assert data["region"] == JIANGAN
    figures = {f["key"]: f for f in data["figures"]}
    assert figures["org_total"]["value"] == 2
    assert figures["org_total"]["previous"] == 1
    assert figures["org_total"]["change_percent"] == 100.0
    children = api_client.get(
        reverse("api:stats-children"), {"period": "2026", "metric": "org_new"}
    ).json()
    assert {c["region"]: c["value"] for c in children["children"]}["420102002"] == 1
    assert api_client.get(reverse("api:stats-overview"), {"region": WUCHANG}).status_code == 404
    bad = api_client.get(reverse("api:stats-overview"), {"period": "Q9"})
    assert bad.status_code == 400 and "统计期格式" in bad.json()["extra"]["fields"]["period"][0]
    bad = api_client.get(reverse("api:stats-children"), {"metric": "nope"})
    assert bad.status_code == 400


def test_report_from_request_to_pdf_and_workbook(
    client, jiangan_officer: User, orgs: None, django_capture_on_commit_callbacks
) -> None:
    client.force_login(jiangan_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("stats:report-list"), {"region": JIANGAN, "period_key": "2026"}, follow=True
        )
    assert "已提交生成" in response.content.decode()
    report = StatReport.objects.get()
    assert report.status == ReportStatus.DONE and report.progress == 100  # immediate task backend
    listing = client.get(reverse("stats:report-list")).content.decode()
    assert 'data-testid="report-done"' in listing
    pdf = client.get(reverse("stats:report-download", kwargs={"pk": report.pk, "kind": "pdf"}))
    assert pdf.status_code == 200
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(b"".join(pdf.streaming_content))
        f.flush()
        text = subprocess.run(
            ["pdftotext", f.name, "-"], capture_output=True, text=True, check=True
        ).stdout
    text = "".join(text.split())  # pdftotext may break a wide heading between glyphs
    assert "江岸区2026年社会组织工作情况专报" in text
    assert "登记社会组织（家）" in text and "环比期2025年" in text
    xlsx = client.get(reverse("stats:report-download", kwargs={"pk": report.pk, "kind": "xlsx"}))
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert book.sheetnames == ["总览", "分布", "下级区划"]
    rows = {r[1]: r for r in book["总览"].iter_rows(min_row=3, values_only=True)}
    assert rows["登记社会组织"][3:6] == (2, 1, 100)


def test_report_request_is_refused_outside_the_jurisdiction(client, jiangan_officer: User) -> None:
    client.force_login(jiangan_officer)
    response = client.post(reverse("stats:report-list"), {"region": WUCHANG, "period_key": "2026"})
    assert "不在您的管辖范围内" in response.content.decode()
    response = client.post(reverse("stats:report-list"), {"region": JIANGAN, "period_key": "26"})
    assert "统计期格式" in response.content.decode()
    assert not StatReport.objects.exists()


def test_failed_report_can_be_retried(
    client, jiangan_officer: User, orgs: None, django_capture_on_commit_callbacks
) -> None:
    report = StatReport.objects.create(
        region_id=JIANGAN, period_key="2026", requested_by=jiangan_officer, status="failed"
    )
    client.force_login(jiangan_officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("stats:report-retry", kwargs={"pk": report.pk}))
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.pdf and report.xlsx
    row = client.get(reverse("stats:report-row", kwargs={"pk": report.pk})).content.decode()
    assert "report-pdf" in row
