from __future__ import annotations

import datetime
import shutil
import subprocess
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.core.exceptions import ApplicationError, ConflictError
from civicnest.core.models import Notification
from civicnest.incubation import selectors, services
from civicnest.incubation.models import Application, FollowUp, Tenancy
from civicnest.incubation.models import ApplicationStatus as S
from civicnest.incubation.tests.factories import (
    ApplicationFactory,
    DeskFactory,
    ProgramFactory,
    RoundFactory,
)
from civicnest.network.models import Center
from civicnest.registry.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def app_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "founding_team": "江岸长者关爱发起团队",
        "project_title": "长者助餐",
        "plan": "为独居老人送餐",
        "category": "elderly",
        "stage": "startup",
        "contact_name": "周",
        "contact_phone": "13500001111",
    }
    data.update(overrides)
    return data


@pytest.fixture
def round_(jiangan_center: Center):
    return RoundFactory.create(program=ProgramFactory.create(center=jiangan_center), capacity=2)


@pytest.fixture
def resident(make_user: Callable[..., User]) -> User:
    return make_user(Role.RESIDENT, "420102002003", username="founder")


def admitted(staff: User, application: Application) -> Application:
    application = services.application_decide(actor=staff, application=application, to=S.ELIGIBLE)
    services.review_submit(
        actor=staff,
        application=application,
        scores={"need": 20, "feasibility": 18, "capacity": 15, "impact": 22},
    )
    return services.application_decide(actor=staff, application=application, to=S.ADMITTED)


def incubating(staff: User, application: Application) -> Application:
    application = admitted(staff, application)
    agreement = services.agreement_create(
        actor=staff,
        application=application,
        data={"starts_on": D(2026, 1, 1), "obligations": "按计划开展服务"},
    )
    services.agreement_sign(actor=staff, agreement=agreement, signed_on=D(2026, 1, 2))
    application.refresh_from_db()
    return application


def test_the_whole_chain(
    jiangan_staff: User, resident: User, round_, make_user: Callable[..., User]
) -> None:
    application = services.application_submit(actor=resident, round_=round_, data=app_data())
    assert Notification.objects.filter(recipient=jiangan_staff, event="incubation.applied").exists()
    with pytest.raises(PermissionDenied):
        services.application_decide(actor=resident, application=application, to=S.ELIGIBLE)
    application = incubating(jiangan_staff, application)
    assert application.status == S.INCUBATING
    assert application.agreement.ends_on == D(2027, 1, 1)  # the round's 12-month period

    desk = DeskFactory.create(center=round_.program.center)
    services.tenancy_allocate(
        actor=jiangan_staff,
        application=application,
        desk=desk,
        starts_on=D(2026, 1, 5),
        ends_on=D(2026, 12, 31),
    )
    services.service_log(
        actor=jiangan_staff,
        application=application,
        data={
            "service_type": "finance",
            "served_on": D(2026, 2, 1),
            "hours": Decimal("2.5"),
            "topic": "财务制度建立",
        },
    )
    milestone = services.milestone_add(
        actor=jiangan_staff,
        application=application,
        data={"kind": "registered", "title": "完成民非登记", "due_on": D(2026, 6, 30)},
    )
    services.milestone_achieve(actor=jiangan_staff, milestone=milestone, achieved_on=D(2026, 5, 20))
    expert = make_user(Role.EXPERT, "420102", username="mentor_expert")
    services.mentor_assign(
        actor=jiangan_staff,
        application=application,
        mentor=expert,
        since=D(2026, 1, 10),
        focus="项目设计",
    )
    services.progress_review_add(
        actor=expert,
        application=application,
        data={"reviewed_on": D(2026, 3, 31), "rating": 4, "summary": "进展顺利"},
    )
    with pytest.raises(ValidationError, match="已记录"):
        services.progress_review_add(
            actor=jiangan_staff,
            application=application,
            data={"reviewed_on": D(2026, 3, 1), "rating": 3, "summary": "重复"},
        )

    # Graduation only through an assessment: a direct move is refused and changes nothing.
    with pytest.raises(ApplicationError):
        services.application_decide(actor=jiangan_staff, application=application, to=S.GRADUATED)
    application.refresh_from_db()
    assert application.status == S.INCUBATING

    services.assessment_record(
        actor=jiangan_staff,
        application=application,
        data={
            "assessed_on": D(2026, 11, 1),
            "score": Decimal("86.5"),
            "summary": "达成计划目标",
            "outcome": "graduate",
        },
    )
    application.refresh_from_db()
    assert (application.status, application.graduated_on) == (S.GRADUATED, D(2026, 11, 1))
    assert application.assessments.get().milestones_met == 1
    assert FollowUp.objects.get(application=application).due_on == D(2027, 11, 1)
    assert Tenancy.objects.get().moved_out_on == D(2026, 11, 1)  # graduation frees the desk
    services.service_log(
        actor=jiangan_staff,
        application=application,
        data={
            "service_type": "resources",
            "served_on": D(2026, 12, 1),
            "hours": Decimal("1"),
            "topic": "出壳后资源对接",
        },
    )
    follow_up = FollowUp.objects.get()
    with pytest.raises(ValidationError):
        services.follow_up_record(
            actor=jiangan_staff, follow_up=follow_up, done_on=D(2027, 5, 1), note=" "
        )
    services.follow_up_record(
        actor=jiangan_staff, follow_up=follow_up, done_on=D(2027, 5, 1), note="运营稳定"
    )


def test_application_to_a_full_round_is_refused(
    jiangan_staff: User, resident: User, round_
) -> None:
    for i in range(2):
        admitted(jiangan_staff, ApplicationFactory.create(round=round_, founding_team=f"团队{i}"))
    before = Application.objects.count()
    with pytest.raises(ApplicationError, match="名额已满"):
        services.application_submit(actor=resident, round_=round_, data=app_data())
    assert Application.objects.count() == before


def test_admission_beyond_capacity_is_refused_but_waitlist_works(
    jiangan_staff: User, round_
) -> None:
    apps = [ApplicationFactory.create(round=round_, founding_team=f"团队{i}") for i in range(3)]
    admitted(jiangan_staff, apps[0])
    admitted(jiangan_staff, apps[1])
    third = services.application_decide(actor=jiangan_staff, application=apps[2], to=S.ELIGIBLE)
    services.review_submit(
        actor=jiangan_staff,
        application=third,
        scores={"need": 10, "feasibility": 10, "capacity": 10, "impact": 10},
    )
    with pytest.raises(ApplicationError, match="名额已满"):
        services.application_decide(actor=jiangan_staff, application=third, to=S.ADMITTED)
    third.refresh_from_db()
    assert third.status == S.ELIGIBLE
    assert (
        services.application_decide(actor=jiangan_staff, application=third, to=S.WAITLISTED).status
        == S.WAITLISTED
    )


def test_admission_needs_a_review_and_rejection_needs_a_reason(jiangan_staff: User, round_) -> None:
    application = services.application_decide(
        actor=jiangan_staff, application=ApplicationFactory.create(round=round_), to=S.ELIGIBLE
    )
    with pytest.raises(ApplicationError, match="评审评分"):
        services.application_decide(actor=jiangan_staff, application=application, to=S.ADMITTED)
    with pytest.raises(ValidationError, match="原因"):
        services.application_decide(actor=jiangan_staff, application=application, to=S.REJECTED)
    assert services.application_decide(
        actor=jiangan_staff, application=application, to=S.REJECTED, reason="与本批次方向不符"
    ).decision_reason


@pytest.mark.parametrize(
    ("scores", "field"),
    [
        ({"need": 30, "feasibility": 1, "capacity": 1, "impact": 1}, "need"),
        ({"need": 1, "feasibility": 1, "capacity": 1}, "impact"),
    ],
)
def test_bad_review_scores(jiangan_staff: User, round_, scores: dict[str, int], field: str) -> None:
    application = services.application_decide(
        actor=jiangan_staff, application=ApplicationFactory.create(round=round_), to=S.ELIGIBLE
    )
    with pytest.raises(ValidationError) as exc:
        services.review_submit(actor=jiangan_staff, application=application, scores=scores)
    assert field in exc.value.message_dict
    assert not application.reviews.exists()


def test_expert_of_the_district_reviews_once(
    make_user: Callable[..., User], jiangan_staff: User, round_
) -> None:
    application = services.application_decide(
        actor=jiangan_staff, application=ApplicationFactory.create(round=round_), to=S.ELIGIBLE
    )
    expert = make_user(Role.EXPERT, "420102")
    outsider = make_user(Role.EXPERT, "420106")
    scores = {"need": 20, "feasibility": 20, "capacity": 20, "impact": 20}
    assert services.review_submit(actor=expert, application=application, scores=scores).total == 80
    with pytest.raises(ApplicationError, match="已评审"):
        services.review_submit(actor=expert, application=application, scores=scores)
    with pytest.raises(PermissionDenied):
        services.review_submit(actor=outsider, application=application, scores=scores)
    assert application in selectors.applications_visible_to(expert)
    assert application not in selectors.applications_visible_to(outsider)


def test_overlapping_tenancy_is_refused_with_the_clash_named(jiangan_staff: User, round_) -> None:
    first = incubating(
        jiangan_staff, ApplicationFactory.create(round=round_, founding_team="甲团队")
    )
    second = incubating(
        jiangan_staff, ApplicationFactory.create(round=round_, founding_team="乙团队")
    )
    desk = DeskFactory.create(center=round_.program.center, code="B01")
    services.tenancy_allocate(
        actor=jiangan_staff,
        application=first,
        desk=desk,
        starts_on=D(2026, 1, 1),
        ends_on=D(2026, 7, 1),
    )
    with pytest.raises(ConflictError, match="甲团队"):
        services.tenancy_allocate(
            actor=jiangan_staff,
            application=second,
            desk=desk,
            starts_on=D(2026, 6, 1),
            ends_on=D(2026, 12, 1),
        )
    assert Tenancy.objects.count() == 1
    # Back to back is fine: the first ends on the day the second starts.
    services.tenancy_allocate(
        actor=jiangan_staff,
        application=second,
        desk=desk,
        starts_on=D(2026, 7, 1),
        ends_on=D(2026, 12, 1),
    )
    with pytest.raises(ValidationError, match="晚于"):
        services.tenancy_allocate(
            actor=jiangan_staff,
            application=second,
            desk=desk,
            starts_on=D(2027, 1, 1),
            ends_on=D(2027, 1, 1),
        )


def test_moving_out_frees_the_desk(jiangan_staff: User, round_) -> None:
    first = incubating(
        jiangan_staff, ApplicationFactory.create(round=round_, founding_team="甲团队")
    )
    second = incubating(
        jiangan_staff, ApplicationFactory.create(round=round_, founding_team="乙团队")
    )
    desk = DeskFactory.create(center=round_.program.center)
    tenancy = services.tenancy_allocate(
        actor=jiangan_staff,
        application=first,
        desk=desk,
        starts_on=D(2026, 1, 1),
        ends_on=D(2026, 12, 31),
    )
    with pytest.raises(ValidationError, match="入驻期内"):
        services.tenancy_move_out(actor=jiangan_staff, tenancy=tenancy, moved_out_on=D(2027, 3, 1))
    services.tenancy_move_out(actor=jiangan_staff, tenancy=tenancy, moved_out_on=D(2026, 4, 1))
    services.tenancy_allocate(
        actor=jiangan_staff,
        application=second,
        desk=desk,
        starts_on=D(2026, 4, 1),
        ends_on=D(2026, 12, 31),
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the exclusion constraint exists on PostgreSQL only"
)
def test_database_refuses_overlap_even_without_the_service(jiangan_staff: User, round_) -> None:
    app = incubating(jiangan_staff, ApplicationFactory.create(round=round_))
    desk = DeskFactory.create(center=round_.program.center)
    Tenancy.objects.create(
        desk=desk,
        application=app,
        region_id=app.region_id,
        starts_on=D(2026, 1, 1),
        ends_on=D(2026, 6, 1),
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Tenancy.objects.create(
            desk=desk,
            application=app,
            region_id=app.region_id,
            starts_on=D(2026, 5, 1),
            ends_on=D(2026, 9, 1),
        )


def test_desks_of_another_center_cannot_be_given(
    jiangan_staff: User, round_, wuchang_center: Center
) -> None:
    app = incubating(jiangan_staff, ApplicationFactory.create(round=round_))
    with pytest.raises(ValidationError, match="本中心"):
        services.tenancy_allocate(
            actor=jiangan_staff,
            application=app,
            desk=DeskFactory.create(center=wuchang_center),
            starts_on=D(2026, 1, 1),
            ends_on=D(2026, 2, 1),
        )


def test_service_log_visibility(
    jiangan_staff: User, round_, make_user: Callable[..., User]
) -> None:
    org = OrganizationFactory.create(stage="startup")
    other_org = OrganizationFactory.create()
    rep, other_rep = make_user(), make_user()
    RoleAssignment.objects.create(user=rep, role=Role.ORG_REP, region_id="420102", organization=org)
    RoleAssignment.objects.create(
        user=other_rep, role=Role.ORG_REP, region_id="420102", organization=other_org
    )
    application = services.application_submit(
        actor=rep, round_=round_, data=app_data(founding_team="", organization=org)
    )
    with pytest.raises(ApplicationError, match="已在本批次"):
        services.application_submit(
            actor=rep, round_=round_, data=app_data(founding_team="", organization=org)
        )
    with pytest.raises(PermissionDenied):
        services.application_submit(
            actor=other_rep, round_=round_, data=app_data(founding_team="", organization=org)
        )
    application = incubating(jiangan_staff, application)
    services.service_log(
        actor=jiangan_staff,
        application=application,
        data={
            "service_type": "training",
            "served_on": D(2026, 3, 1),
            "hours": Decimal("3"),
            "topic": "项目书写作",
        },
    )
    assert selectors.services_visible_to(rep).count() == 1
    assert selectors.services_visible_to(other_rep).count() == 0
    assert selectors.services_visible_to(jiangan_staff).count() == 1
    with pytest.raises(PermissionDenied):
        services.service_log(
            actor=rep,
            application=application,
            data={
                "service_type": "training",
                "served_on": D(2026, 3, 1),
                "hours": Decimal("1"),
                "topic": "x",
            },
        )


def test_grassroots_incubation_of_a_filed_team(
    jiangan_staff: User, resident: User, jiangan_center: Center
) -> None:
    from civicnest.registry.tests.factories import TeamFactory

    grassroots = RoundFactory.create(
        program=ProgramFactory.create(center=jiangan_center, kind="grassroots")
    )
    pending = TeamFactory.create(submitted_by=resident)
    with pytest.raises(ValidationError, match="已备案"):
        services.application_submit(
            actor=resident, round_=grassroots, data=app_data(founding_team="", team=pending)
        )
    filed = TeamFactory.create(
        submitted_by=resident, status="filed", filing_number="BA420102002202600099"
    )
    application = services.application_submit(
        actor=resident, round_=grassroots, data=app_data(founding_team="", team=filed)
    )
    assert application.applicant_name == filed.name


def test_closed_round_refuses(resident: User, jiangan_center: Center) -> None:
    closed = RoundFactory.create(
        program=ProgramFactory.create(center=jiangan_center),
        closes_on=D(2020, 1, 1),
        opens_on=D(2019, 1, 1),
    )
    with pytest.raises(ApplicationError, match="受理期"):
        services.application_submit(actor=resident, round_=closed, data=app_data())


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return "".join(text.split())  # letter-spaced headings come out as separate glyph runs


@pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils is installed by scripts/setup.sh test"
)
def test_agreement_and_certificate_pdfs_carry_chinese_text(
    client, jiangan_staff: User, round_, tmp_path
) -> None:
    application = incubating(
        jiangan_staff, ApplicationFactory.create(round=round_, founding_team="江岸长者关爱发起团队")
    )
    client.force_login(jiangan_staff)
    agreement = client.get(f"/incubation/applications/{application.pk}/agreement.pdf")
    assert agreement["Content-Type"] == "application/pdf"
    text = _pdf_text(agreement.content, tmp_path)
    assert (
        "社会组织孵化入驻协议" in text and "江岸长者关爱发起团队" in text and "2026年1月2日" in text
    )
    assert (
        client.get(f"/incubation/applications/{application.pk}/certificate.pdf").status_code == 403
    )
    services.assessment_record(
        actor=jiangan_staff,
        application=application,
        data={
            "assessed_on": D(2026, 12, 20),
            "score": Decimal("90"),
            "summary": "优秀",
            "outcome": "graduate",
        },
    )
    text = _pdf_text(
        client.get(f"/incubation/applications/{application.pk}/certificate.pdf").content, tmp_path
    )
    assert "出壳证书" in text and "江岸长者关爱发起团队" in text and "准予出壳" in text


def test_extension_and_exit(jiangan_staff: User, round_) -> None:
    app = incubating(jiangan_staff, ApplicationFactory.create(round=round_))
    with pytest.raises(ValidationError):
        services.assessment_record(
            actor=jiangan_staff,
            application=app,
            data={
                "assessed_on": D(2026, 12, 1),
                "score": Decimal("60"),
                "summary": "需延期",
                "outcome": "extend",
            },
        )
    services.assessment_record(
        actor=jiangan_staff,
        application=app,
        data={
            "assessed_on": D(2026, 12, 1),
            "score": Decimal("60"),
            "summary": "需延期",
            "outcome": "extend",
            "extend_until": D(2027, 6, 30),
        },
    )
    app.refresh_from_db()
    assert app.status == S.EXTENDED and app.agreement.ends_on == D(2027, 6, 30)
    services.assessment_record(
        actor=jiangan_staff,
        application=app,
        data={
            "assessed_on": D(2027, 6, 30),
            "score": Decimal("40"),
            "summary": "未达成主要目标",
            "outcome": "exit",
        },
    )
    app.refresh_from_db()
    assert app.status == S.EXITED and app.decision_reason == "未达成主要目标"


def test_pages_render_for_staff_and_applicant(
    client, jiangan_staff: User, resident: User, round_
) -> None:
    client.force_login(resident)
    assert round_.name in client.get("/incubation/").content.decode()
    response = client.post(
        f"/incubation/rounds/{round_.pk}/apply/", {**app_data(), "contact_phone": "123"}
    )
    assert response.status_code == 200  # field error shown, nothing saved
    assert not Application.objects.exists()
    response = client.post(f"/incubation/rounds/{round_.pk}/apply/", app_data())
    application = Application.objects.get()
    assert response.status_code == 302
    client.force_login(jiangan_staff)
    board = client.get(f"/incubation/?center={round_.program.center_id}").content.decode()
    assert "江岸长者关爱发起团队" in board
    client.post(f"/incubation/applications/{application.pk}/decide/", {"to": "eligible"})
    client.post(
        f"/incubation/applications/{application.pk}/review/",
        {"need": 20, "feasibility": 20, "capacity": 20, "impact": 20},
    )
    client.post(f"/incubation/applications/{application.pk}/decide/", {"to": "admitted"})
    application.refresh_from_db()
    assert application.status == S.ADMITTED
    detail = client.get(application.get_absolute_url()).content.decode()
    assert 'data-testid="create-agreement"' in detail
    assert client.get(f"/incubation/centers/{round_.program.center_id}/desks/").status_code == 200


def test_api(api_client, jiangan_staff: User, resident: User, round_) -> None:
    api_client.force_authenticate(resident)
    created = api_client.post(
        "/api/v1/incubation/applications/", {"round": round_.pk, **app_data()}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert (
        api_client.post(
            "/api/v1/incubation/applications/",
            {"round": round_.pk, **app_data(founding_team="")},
            format="json",
        ).status_code
        == 400
    )
    application = Application.objects.get()
    api_client.force_authenticate(jiangan_staff)
    application = incubating(jiangan_staff, application)
    desk = DeskFactory.create(center=round_.program.center)
    body = {
        "application": application.pk,
        "desk": desk.pk,
        "starts_on": "2026-01-01",
        "ends_on": "2026-06-30",
    }
    assert api_client.post("/api/v1/incubation/tenancies/", body, format="json").status_code == 201
    clash = api_client.post(
        "/api/v1/incubation/tenancies/", {**body, "starts_on": "2026-03-01"}, format="json"
    )
    assert clash.status_code == 409 and "时间重叠" in clash.json()["message"]
    service = api_client.post(
        "/api/v1/incubation/services/",
        {
            "application": application.pk,
            "service_type": "brand",
            "served_on": "2026-02-02",
            "hours": "1.5",
            "topic": "品牌故事",
        },
        format="json",
    )
    assert service.status_code == 201
    assert (
        api_client.get("/api/v1/incubation/services/", {"application": application.pk}).json()[
            "count"
        ]
        == 1
    )
    assert (
        api_client.get("/api/v1/incubation/applications/", {"status": "incubating"}).json()["count"]
        == 1
    )


def test_marking_a_milestone_achieved_from_the_page(client, jiangan_staff: User, round_) -> None:
    app = incubating(jiangan_staff, ApplicationFactory.create(round=round_))
    milestone = services.milestone_add(
        actor=jiangan_staff,
        application=app,
        data={"kind": "registered", "title": "完成民非登记", "due_on": D(2026, 6, 30)},
    )
    client.force_login(jiangan_staff)
    url = f"/incubation/milestones/{milestone.pk}/achieve/"
    bad = client.post(url, {"achieved_on": "2026-13-40"}, follow=True)
    assert "达成日期" in bad.content.decode()
    milestone.refresh_from_db()
    assert milestone.achieved_on is None
    client.post(url, {"achieved_on": "2026-05-20"})
    milestone.refresh_from_db()
    assert milestone.achieved_on == D(2026, 5, 20)
