"""Pages, permissions, PDFs and the API of evaluation."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

import pytest
from django.urls import reverse

from civicnest.accounts.models import User
from civicnest.accounts.roles import Role
from civicnest.evaluation import services
from civicnest.evaluation.models import Assessment, AssessmentStatus, IndicatorTemplate
from civicnest.evaluation.tests.conftest import score_all

pytestmark = pytest.mark.django_db


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "x.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def confirmed(accepted: Assessment, city_officer: User, expert: User, org_rep: User) -> Assessment:
    services.evaluator_assign(actor=city_officer, assessment=accepted, evaluator=expert)
    score_all(accepted, expert, 97)
    services.grade_propose(actor=city_officer, assessment=accepted)
    services.appeal_waive(actor=org_rep, assessment=accepted)
    return services.grade_confirm(actor=city_officer, assessment=accepted)


def test_pages_render_for_each_party(
    client, accepted: Assessment, city_officer: User, org_rep: User, expert: User
) -> None:
    services.evaluator_assign(actor=city_officer, assessment=accepted, evaluator=expert)
    for user, url in (
        (city_officer, reverse("evaluation:home")),
        (city_officer, reverse("evaluation:round-detail", kwargs={"pk": accepted.round_id})),
        (city_officer, reverse("evaluation:assessment-detail", kwargs={"pk": accepted.pk})),
        (city_officer, reverse("evaluation:template-list")),
        (city_officer, reverse("evaluation:template-detail", kwargs={"pk": accepted.template_id})),
        (city_officer, reverse("evaluation:compliance")),
        (city_officer, reverse("evaluation:targets")),
        (city_officer, reverse("evaluation:review-list")),
        (city_officer, reverse("evaluation:survey-list")),
        (city_officer, reverse("evaluation:survey-create")),
        (city_officer, reverse("evaluation:parameters")),
        (city_officer, reverse("evaluation:round-create")),
        (org_rep, reverse("evaluation:home")),
        (org_rep, reverse("evaluation:assessment-detail", kwargs={"pk": accepted.pk})),
        (expert, reverse("evaluation:home")),
        (expert, reverse("evaluation:score", kwargs={"pk": accepted.pk})),
        (expert, reverse("evaluation:conflicts")),
    ):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, (user.username, url, response.status_code)


def test_org_rep_and_expert_cannot_use_bureau_actions(
    client, accepted: Assessment, org_rep: User, expert: User, jiangan_officer: User
) -> None:
    for user in (org_rep, expert):
        client.force_login(user)
        client.post(
            reverse("evaluation:assign", kwargs={"pk": accepted.pk}), {"evaluator": expert.pk}
        )
        assert client.get(reverse("evaluation:round-create")).status_code == 403
    assert not accepted.assignments.exists()
    # The expert sees nothing of an assessment they are not assigned to.
    client.force_login(expert)
    assert (
        client.get(reverse("evaluation:assessment-detail", kwargs={"pk": accepted.pk})).status_code
        == 404
    )
    # A district officer sees the organization of the district, but the round is the city's to run.
    client.force_login(jiangan_officer)
    page = client.get(reverse("evaluation:assessment-detail", kwargs={"pk": accepted.pk}))
    assert page.status_code == 200 and 'data-testid="assign"' not in page.content.decode()


def test_wuchang_officer_sees_nothing_of_a_jiangan_assessment(
    client, accepted: Assessment, wuchang_officer: User
) -> None:
    client.force_login(wuchang_officer)
    assert (
        client.get(reverse("evaluation:assessment-detail", kwargs={"pk": accepted.pk})).status_code
        == 404
    )
    assert client.get(reverse("api:evaluation-assessment-list")).json()["count"] == 0


def test_grade_shows_in_the_registry_and_on_the_portal(
    client, confirmed: Assessment, city_officer: User
) -> None:
    client.force_login(city_officer)
    detail = client.get(reverse("registry:org-detail", kwargs={"pk": confirmed.organization_id}))
    assert "5A" in detail.content.decode()
    client.logout()
    portal = client.get(reverse("portal:evaluation")).content.decode()
    assert "江岸区阳光社工服务中心" in portal and "5A" in portal
    assert "13700001111" not in portal  # no contact data on the public page


def test_assessment_pdf_is_chinese(
    client, confirmed: Assessment, org_rep: User, expert_b: User, tmp_path
) -> None:
    client.force_login(org_rep)
    response = client.get(reverse("evaluation:assessment-pdf", kwargs={"pk": confirmed.pk}))
    assert response["Content-Type"] == "application/pdf"
    if shutil.which("pdftotext"):
        text = _pdf_text(response.content, tmp_path)
        assert "等级评估报告" in text and "5A" in text and "内部治理" in text
    client.force_login(expert_b)  # an unrelated expert
    assert (
        client.get(reverse("evaluation:assessment-pdf", kwargs={"pk": confirmed.pk})).status_code
        == 404
    )


def test_review_pdf_is_chinese(
    client, templates: dict[str, IndicatorTemplate], jiangan_officer: User, jiangan_center, tmp_path
) -> None:
    review = services.review_open(actor=jiangan_officer, center=jiangan_center, year=2025)
    client.force_login(jiangan_officer)
    response = client.get(reverse("evaluation:review-pdf", kwargs={"pk": review.pk}))
    assert response.status_code == 200
    if shutil.which("pdftotext"):
        text = _pdf_text(response.content, tmp_path)
        assert "年度考评报告" in text and "服务对象满意度" in text and "合规检查" in text


def test_api_routes_are_in_the_schema(client, city_officer: User) -> None:
    client.force_login(city_officer)
    schema = client.get(reverse("schema"), {"format": "json"}).json()
    for path in (
        "/api/v1/evaluation/rounds/",
        "/api/v1/evaluation/assessments/",
        "/api/v1/compliance/",
        "/api/v1/surveys/",
    ):
        assert path in schema["paths"], path


def test_api_round_create_and_list(
    api_client,
    templates: dict[str, IndicatorTemplate],
    city_officer: User,
    jiangan_officer: User,
    make_user: Callable[..., User],
) -> None:
    api_client.force_authenticate(jiangan_officer)
    payload = {
        "name": "江岸区 2026 评估",
        "year": 2026,
        "region": "420102",
        "applications_close_on": "2099-01-01",
    }
    response = api_client.post(reverse("api:evaluation-round-list"), payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["grade_bands"]["5A"] == 951
    bad = api_client.post(
        reverse("api:evaluation-round-list"), dict(payload, region="420106"), format="json"
    )
    assert bad.status_code == 403
    api_client.force_authenticate(make_user(Role.BUREAU_OFFICER, "420106"))
    assert api_client.get(reverse("api:evaluation-round-list")).json()["count"] == 0
    api_client.force_authenticate(city_officer)
    assert api_client.get(reverse("api:evaluation-round-list")).json()["count"] == 1


def test_api_assessments_for_the_organization(
    api_client, accepted: Assessment, org_rep: User
) -> None:
    api_client.force_authenticate(org_rep)
    rows = api_client.get(reverse("api:evaluation-assessment-list")).json()["results"]
    assert [r["status"] for r in rows] == [AssessmentStatus.ACCEPTED]
    assert rows[0]["self_total"] == "950.00"


def test_template_edit_page_makes_a_new_version(
    client, accepted: Assessment, city_officer: User, jiangan_officer: User
) -> None:
    indicator = accepted.template.indicators.get(code="1.1")
    data = {
        "code": "1.1",
        "name": "法人资格与登记",
        "weight": "4",
        "guidance": "g",
        "source": "manual",
        "position": 0,
    }
    client.force_login(jiangan_officer)
    client.post(reverse("evaluation:indicator-edit", kwargs={"pk": indicator.pk}), data)
    assert IndicatorTemplate.objects.filter(family=accepted.template.family).count() == 1
    client.force_login(city_officer)
    response = client.post(
        reverse("evaluation:indicator-edit", kwargs={"pk": indicator.pk}), data, follow=True
    )
    assert "已生成新版本" in response.content.decode()
    assert IndicatorTemplate.objects.filter(family=accepted.template.family).count() == 2
