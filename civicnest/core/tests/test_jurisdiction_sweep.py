"""The jurisdiction sweep: every page and API route, requested by users of 江岸区 (every role), must not show
or change anything that belongs to 武昌区.

Routes without URL parameters are covered automatically. A route with parameters must say, in
FOREIGN_KWARGS below, which foreign object to aim at; a new parametrised route that is missing there
fails `test_every_parametrised_route_is_covered`, so each later capability extends the sweep.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch
from django.utils import timezone

from civicnest.accounts.models import RoleAssignment, User
from civicnest.accounts.roles import Role
from civicnest.core.models import Notification
from civicnest.core.services import notify
from civicnest.disclosure.models import Announcement, Attachment, CenterDisclosure
from civicnest.evaluation import defaults as eval_defaults
from civicnest.evaluation import services as eval_services
from civicnest.evaluation.models import (
    Appeal,
    Assessment,
    BreachAcknowledgement,
    CenterReview,
    EvaluatorAssignment,
    GradingRound,
    Indicator,
    IndicatorTemplate,
    Reward,
    Survey,
    SurveyResponse,
)
from civicnest.evaluation.tests.helpers import answer_by_phone
from civicnest.governance.models import Meeting, Opinion, Resolution, Topic
from civicnest.incubation import services as services_inc
from civicnest.incubation.models import Application, IntakeRound, Tenancy
from civicnest.incubation.tests.factories import (
    ApplicationFactory,
    DeskFactory,
    ProgramFactory,
    RoundFactory,
)
from civicnest.matching.models import Match, Need, ServiceOffering
from civicnest.network.models import Center, CenterStaff
from civicnest.network.services import center_update
from civicnest.network.tests.factories import CenterFactory, CenterStaffFactory
from civicnest.notices.models import Notice
from civicnest.party.models import PartyGuide, PartyOrganization
from civicnest.philanthropy import models as phil_models
from civicnest.philanthropy.tests.factories import foreign_chain
from civicnest.regions.models import Region
from civicnest.registry.models import (
    ActivityTeam,
    AnnualReport,
    ArchiveDocument,
    ImportJob,
    SocialOrganization,
)
from civicnest.registry.services import archive_upload
from civicnest.registry.tests.factories import AnnualReportFactory, OrganizationFactory, TeamFactory
from civicnest.stats.models import StatReport
from civicnest.training.models import Enrolment, Event, EventPhoto, ServiceHour, Session, Volunteer
from civicnest.training.tests.factories import (
    CourseFactory,
    EventFactory,
    SessionFactory,
    VolunteerFactory,
)
from civicnest.venues.models import Booking, Room
from civicnest.venues.services import room_photo_add
from civicnest.venues.tests.factories import RoomFactory

MARKER = "武昌保密标记"  # names of foreign centers: staff pages must not show them
PRIVATE = "武昌隐私标记"  # foreign personal data and internal records: no page at all may show them
# Public disclosure routes (no login) may list every active center, but never private data.
PUBLIC_NAMESPACES = ("portal:",)
FOREIGN_DISTRICT = "420106"
HOME_DISTRICT = "420102"

# Routes outside the product's own data: framework pages, static documentation, i18n plumbing.
SKIPPED_NAMESPACES = {"admin"}
SKIPPED_NAMES = {"set_language", "javascript-catalog", "schema", "swagger-ui", "health"}


@dataclass
class ForeignWorld:
    center: Center
    street_center: Center
    staff: CenterStaff
    officer: User
    notification: Notification
    org: SocialOrganization
    team: ActivityTeam
    report: AnnualReport
    archive: ArchiveDocument
    incubatee: Application
    graduate: Application
    closed_round: IntakeRound
    room: Room
    booking: Booking
    session: Session
    enrolment: Enrolment
    event: Event
    volunteer: Volunteer
    need: Need
    match: Match
    topic: Topic
    opinion: Opinion
    resolution: Resolution
    assessment: Assessment
    review: CenterReview
    survey: Survey
    # Set after construction, so the positional constructor call stays as it is.
    stat_report: StatReport = None  # type: ignore[assignment]
    announcement: Announcement = None  # type: ignore[assignment]
    disclosure: CenterDisclosure = None  # type: ignore[assignment]
    notice: Notice = None  # type: ignore[assignment]
    import_job: ImportJob = None  # type: ignore[assignment]
    party_org: PartyOrganization = None  # type: ignore[assignment]
    party_guide: PartyGuide = None  # type: ignore[assignment]
    phil: dict[str, Any] = field(default_factory=dict)


def _phil(key: str) -> Callable[[ForeignWorld], dict[str, Any]]:
    return lambda w: {"pk": w.phil[key].pk}


FOREIGN_KWARGS: dict[str, Callable[[ForeignWorld], dict[str, Any]]] = {
    "network:center-detail": lambda w: {"pk": w.center.pk},
    "network:center-edit": lambda w: {"pk": w.center.pk},
    "network:staff-create": lambda w: {"pk": w.center.pk},
    "network:staff-edit": lambda w: {"pk": w.staff.pk},
    "regions:browse-node": lambda w: {"code": FOREIGN_DISTRICT},
    "api:center-detail": lambda w: {"pk": w.center.pk},
    "api:region-detail": lambda w: {"code": FOREIGN_DISTRICT},
    "registry:org-detail": lambda w: {"pk": w.org.pk},
    "registry:org-edit": lambda w: {"pk": w.org.pk},
    "registry:org-credit-add": lambda w: {"pk": w.org.pk},
    "registry:org-consulting-add": lambda w: {"pk": w.org.pk},
    "registry:org-archive-upload": lambda w: {"pk": w.org.pk},
    "registry:report-create": lambda w: {"pk": w.org.pk},
    "registry:archive-download": lambda w: {"pk": w.archive.pk},
    "registry:report-review": lambda w: {"pk": w.report.pk},
    "registry:team-detail": lambda w: {"pk": w.team.pk},
    "registry:org-import-job": lambda w: {"pk": w.import_job.pk},
    "registry:org-import-errors": lambda w: {"pk": w.import_job.pk},
    "registry:team-edit": lambda w: {"pk": w.team.pk},
    "registry:team-transition": lambda w: {"pk": w.team.pk},
    "registry:team-confirm": lambda w: {"pk": w.team.pk},
    "registry:team-guidance": lambda w: {"pk": w.team.pk},
    "api:organization-detail": lambda w: {"pk": w.org.pk},
    "api:team-transition": lambda w: {"pk": w.team.pk},
    "incubation:program-create": lambda w: {"pk": w.center.pk},
    "incubation:desks": lambda w: {"pk": w.center.pk},
    "incubation:round-create": lambda w: {"pk": w.incubatee.round.program_id},
    "incubation:round-detail": lambda w: {"pk": w.closed_round.pk},
    "incubation:application-create": lambda w: {"pk": w.closed_round.pk},
    "incubation:application-detail": lambda w: {"pk": w.incubatee.pk},
    "incubation:application-decide": lambda w: {"pk": w.incubatee.pk},
    "incubation:application-review": lambda w: {"pk": w.incubatee.pk},
    "incubation:agreement-create": lambda w: {"pk": w.incubatee.pk},
    "incubation:agreement-sign": lambda w: {"pk": w.incubatee.pk},
    "incubation:agreement-pdf": lambda w: {"pk": w.incubatee.pk},
    "incubation:certificate-pdf": lambda w: {"pk": w.graduate.pk},
    "incubation:tenancy-create": lambda w: {"pk": w.incubatee.pk},
    "incubation:service-create": lambda w: {"pk": w.incubatee.pk},
    "incubation:milestone-create": lambda w: {"pk": w.incubatee.pk},
    "incubation:mentor-create": lambda w: {"pk": w.incubatee.pk},
    "incubation:progress-create": lambda w: {"pk": w.incubatee.pk},
    "incubation:assessment-create": lambda w: {"pk": w.incubatee.pk},
    "incubation:tenancy-move-out": lambda w: {"pk": w.incubatee.tenancies.get().pk},
    "incubation:milestone-achieve": lambda w: {"pk": w.incubatee.milestones.get().pk},
    "incubation:follow-up": lambda w: {"pk": w.graduate.follow_ups.get().pk},
    # The foreign center's only room is for internal use: open rooms are bookable city-wide by design.
    "venues:room-detail": lambda w: {"pk": w.room.pk},
    "venues:room-edit": lambda w: {"pk": w.room.pk},
    "venues:room-photo-add": lambda w: {"pk": w.room.pk},
    "venues:room-photo": lambda w: {"pk": w.room.photos.get().pk},
    "venues:room-create": lambda w: {"pk": w.center.pk},
    "venues:center-calendar": lambda w: {"pk": w.center.pk},
    "venues:usage": lambda w: {"pk": w.center.pk},
    "venues:booking-decide": lambda w: {"pk": w.booking.pk},
    "venues:booking-cancel": lambda w: {"pk": w.booking.pk},
    # Published courses and events are open to everyone by design: the foreign ones here are unpublished.
    "training:course-create": lambda w: {"pk": w.center.pk},
    "training:event-create": lambda w: {"pk": w.center.pk},
    "training:course-detail": lambda w: {"pk": w.session.course_id},
    "training:session-create": lambda w: {"pk": w.session.course_id},
    "training:session-detail": lambda w: {"pk": w.session.pk},
    "training:enrol": lambda w: {"pk": w.session.pk},
    "training:attendance-export": lambda w: {"pk": w.session.pk},
    "training:enrolment-cancel": lambda w: {"pk": w.enrolment.pk},
    "training:feedback": lambda w: {"pk": w.enrolment.pk},
    "training:certificate": lambda w: {"pk": w.enrolment.pk},
    "training:checkin": lambda w: {
        "token": "0" * 32
    },  # tokens are secrets; a wrong one must reveal nothing
    "training:event-detail": lambda w: {"pk": w.event.pk},
    "training:event-action": lambda w: {"pk": w.event.pk},
    "training:event-photo-add": lambda w: {"pk": w.event.pk},
    "training:event-photo": lambda w: {"pk": w.event.photos.get().pk},
    "training:talent-detail": lambda w: {"pk": w.volunteer.pk},
    "training:hour-record": lambda w: {"pk": w.volunteer.pk},
    "training:hour-verify": lambda w: {"pk": w.volunteer.hours.get().pk},
    "training:placement-create": lambda w: {"pk": w.volunteer.pk},
    # Active offerings form a public catalogue by design: the foreign one here is inactive.
    "matching:need-detail": lambda w: {"pk": w.need.pk},
    "matching:need-matches": lambda w: {"pk": w.need.pk},
    "party:org-detail": lambda w: {"pk": w.party_org.pk},
    "party:activity-create": lambda w: {"pk": w.party_org.pk},
    "party:org-dissolve": lambda w: {"pk": w.party_org.pk},
    "party:guide-detail": lambda w: {"pk": w.party_guide.pk},
    "matching:offer": lambda w: {"pk": w.need.pk},
    "matching:refresh": lambda w: {"pk": w.need.pk},
    "matching:respond": lambda w: {"pk": w.match.pk},
    "matching:schedule": lambda w: {"pk": w.match.pk},
    "matching:deliver": lambda w: {"pk": w.match.pk},
    "matching:rate": lambda w: {"pk": w.match.pk},
    "matching:close": lambda w: {"pk": w.match.pk},
    "matching:offering-detail": lambda w: {"pk": w.match.offering_id},
    "matching:offering-edit": lambda w: {"pk": w.match.offering_id},
    "api:need-matches": lambda w: {"pk": w.need.pk},
    "governance:topic-detail": lambda w: {"pk": w.topic.pk},
    "governance:opinion-post": lambda w: {"pk": w.topic.pk},
    "governance:topic-advance": lambda w: {"pk": w.topic.pk},
    "governance:meeting-create": lambda w: {"pk": w.topic.pk},
    "governance:report": lambda w: {"pk": w.topic.pk},
    "governance:support": lambda w: {"pk": w.opinion.pk},
    "governance:hide": lambda w: {"pk": w.opinion.pk},
    "governance:to-need": lambda w: {"pk": w.opinion.pk},
    "governance:meeting-detail": lambda w: {"pk": w.resolution.meeting_id},
    "governance:resolution-create": lambda w: {"pk": w.resolution.meeting_id},
    "governance:progress": lambda w: {"pk": w.resolution.pk},
    "stats:report-row": lambda w: {"pk": w.stat_report.pk},
    "stats:report-retry": lambda w: {"pk": w.stat_report.pk},
    "stats:report-download": lambda w: {"pk": w.stat_report.pk, "kind": "pdf"},
    "disclosure:announcement-detail": lambda w: {"pk": w.announcement.pk},
    "disclosure:announcement-publish": lambda w: {"pk": w.announcement.pk},
    "disclosure:announcement-withdraw": lambda w: {"pk": w.announcement.pk},
    "disclosure:attachment-add": lambda w: {"pk": w.announcement.pk},
    "disclosure:center-disclosures": lambda w: {"pk": w.center.pk},
    "disclosure:disclosure-publish": lambda w: {"pk": w.disclosure.pk},
    "portal:announcement-detail": lambda w: {"pk": w.announcement.pk},
    "portal:attachment": lambda w: {"pk": w.announcement.attachments.get().pk},
    "portal:center-detail": lambda w: {"pk": w.center.pk},
    "portal:disclosure-file": lambda w: {"pk": w.disclosure.pk},
    "notices:detail": lambda w: {"pk": w.notice.pk},
    # Published projects are public by design (portal); funders see those of their own region only.
    **{
        f"philanthropy:{name}": _phil(key)
        for key, names in {
            "program": [
                "program-detail",
                "program-advance",
                "expert-assign",
                "proposal-export",
                "proposal-create",
            ],
            "purchase": ["tender-create"],
            "proposal": [
                "proposal-detail",
                "proposal-edit",
                "proposal-submit",
                "proposal-eligibility",
                "proposal-review",
                "proposal-conflict",
                "proposal-shortlist",
                "proposal-publish",
            ],
            "project": [
                "project-detail",
                "project-subscribe",
                "project-contract",
                "contract-pdf",
                "tranche-add",
                "report-submit",
                "self-evaluation",
                "expert-evaluation",
                "project-result",
                "project-refund",
                "project-terminate",
            ],
            "tranche": ["tranche-disburse"],
            "attachment": ["attachment"],
            "tender": ["tender-detail", "tender-bid", "tender-award"],
            "bid": ["bid-score"],
            "fund": ["fund-detail", "fund-donation", "ledger-export"],
            "receipt": ["receipt-pdf", "receipt-void"],
        }.items()
        for name in names
    },
    "api:project-subscriptions": lambda w: {"pk": w.phil["project"].pk},
    "api:project-tranches": lambda w: {"pk": w.phil["project"].pk},
    "api:fund-ledger": lambda w: {"pk": w.phil["fund"].pk},
    "portal:project-detail": lambda w: {"pk": w.phil["project"].pk},
    # Indicator templates are city-wide reference data without personal data; only a city officer edits them.
    "evaluation:template-detail": lambda w: {"pk": w.assessment.template_id},
    "evaluation:indicator-add": lambda w: {"pk": w.assessment.template_id},
    "evaluation:indicator-edit": lambda w: {
        "pk": w.assessment.template.indicators.earliest("pk").pk
    },
    "evaluation:round-detail": lambda w: {"pk": w.assessment.round_id},
    "evaluation:round-advance": lambda w: {"pk": w.assessment.round_id},
    "evaluation:round-apply": lambda w: {"pk": w.assessment.round_id},
    "evaluation:assessment-detail": lambda w: {"pk": w.assessment.pk},
    "evaluation:self-assessment": lambda w: {"pk": w.assessment.pk},
    "evaluation:evidence-upload": lambda w: {"pk": w.assessment.pk},
    "evaluation:eligibility": lambda w: {"pk": w.assessment.pk},
    "evaluation:assign": lambda w: {"pk": w.assessment.pk},
    "evaluation:score": lambda w: {"pk": w.assessment.pk},
    "evaluation:propose": lambda w: {"pk": w.assessment.pk},
    "evaluation:appeal": lambda w: {"pk": w.assessment.pk},
    "evaluation:waive": lambda w: {"pk": w.assessment.pk},
    "evaluation:appeal-decide": lambda w: {"pk": w.assessment.pk},
    "evaluation:confirm": lambda w: {"pk": w.assessment.pk},
    "evaluation:assessment-pdf": lambda w: {"pk": w.assessment.pk},
    "evaluation:evidence-download": lambda w: {"pk": w.assessment.evidence.get().pk},
    "evaluation:review-detail": lambda w: {"pk": w.review.pk},
    "evaluation:review-score": lambda w: {"pk": w.review.pk},
    "evaluation:review-confirm": lambda w: {"pk": w.review.pk},
    "evaluation:reward-add": lambda w: {"pk": w.review.pk},
    "evaluation:review-pdf": lambda w: {"pk": w.review.pk},
    "evaluation:survey-detail": lambda w: {"pk": w.survey.pk},
    "evaluation:survey-close": lambda w: {"pk": w.survey.pk},
    "evaluation:survey-answer": lambda w: {"token": "0" * 32},  # tokens are secrets
    "evaluation:breach-ack": lambda w: {"pk": w.center.pk},
}


def _body(response: Any) -> str:
    """The text of a response, streamed downloads (public attachments) included."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _walk(patterns: list[URLPattern | URLResolver], namespace: str = "") -> Iterator[str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            if ns in SKIPPED_NAMESPACES:
                continue
            yield from _walk(entry.url_patterns, f"{namespace}{ns}:" if ns else namespace)
        elif entry.name and entry.name not in SKIPPED_NAMES:
            yield f"{namespace}{entry.name}"


def all_route_names() -> list[str]:
    return sorted(set(_walk(get_resolver().url_patterns)))


def needs_kwargs(name: str) -> bool:
    try:
        reverse(name)
    except NoReverseMatch:
        return True
    return False


def test_every_parametrised_route_is_covered() -> None:
    missing = [n for n in all_route_names() if needs_kwargs(n) and n not in FOREIGN_KWARGS]
    assert missing == [], f"add these routes to FOREIGN_KWARGS in {__name__}: {missing}"


@pytest.fixture
def foreign_world(db: None, make_user: Callable[..., User]) -> ForeignWorld:
    center = CenterFactory.create(
        region_id=FOREIGN_DISTRICT,
        level="district",
        name=f"{MARKER}孵化中心",
        address=f"{MARKER}路",
    )
    street = CenterFactory.create(
        region_id="420106002", level="street", parent=center, name=f"{MARKER}街道中心"
    )
    staff = CenterStaffFactory.create(center=center, name=f"{PRIVATE}社工", phone="13955556666")
    officer = make_user(Role.BUREAU_OFFICER, FOREIGN_DISTRICT, username="wuchang_sweep_officer")
    # The description (services) is public on the portal; the contact person is personal data.
    center_update(
        actor=officer,
        center=center,
        data={"description": f"{MARKER}说明", "contact_name": f"{PRIVATE}联系人"},
    )
    note = notify(event="x", recipients=[officer], title=f"{PRIVATE}通知")[0]
    org = OrganizationFactory.create(
        region_id="420106002", name=f"{MARKER}社工", contact_phone="13955556666", center=center
    )
    team = TeamFactory.create(
        region_id="420106002003",
        name=f"{MARKER}舞蹈队",
        responsible_person=f"{PRIVATE}队长",
        contact_phone="13955556666",
        submitted_by=officer,
    )
    report = AnnualReportFactory.create(
        organization=org, activities=f"{PRIVATE}年报", submitted_by=officer
    )
    archive = archive_upload(
        actor=officer,
        organization=org,
        doc_type="charter",
        title=f"{PRIVATE}章程",
        upload=SimpleUploadedFile("charter.pdf", b"%PDF-1.4 test", content_type="application/pdf"),
    )
    incubatee, graduate, closed_round = _foreign_incubation(officer, center)
    room, booking = _foreign_venue(officer, center)
    session, enrolment, event, volunteer = _foreign_training(officer, center)
    need, match = _foreign_matching(officer, org)
    topic, opinion, resolution = _foreign_governance(officer, street)
    assessment, review, survey = _foreign_evaluation(officer, org, center, street, make_user)
    world = ForeignWorld(
        center,
        street,
        staff,
        officer,
        note,
        org,
        team,
        report,
        archive,
        incubatee,
        graduate,
        closed_round,
        room,
        booking,
        session,
        enrolment,
        event,
        volunteer,
        need,
        match,
        topic,
        opinion,
        resolution,
        assessment,
        review,
        survey,
    )
    # An import's report lists refused rows with their personal data: only its uploader sees it.
    world.import_job = ImportJob.objects.create(
        created_by=officer,
        file_name=f"{PRIVATE}名录.xlsx",
        mode="all",
        content=b"",
        status="done",
        headers=["联系人"],
        errors=[{"row": 2, "column": "联系人", "reason": "x"}],
        error_rows={"2": [f"{PRIVATE}联系人"]},
        error_count=1,
    )
    world.stat_report = StatReport.objects.create(
        region_id=FOREIGN_DISTRICT, period_key="2026", requested_by=officer, status="failed"
    )
    # A published announcement (public by design, so only the marker) and a draft disclosure
    # whose private text no page may show, not even the portal.
    world.announcement = Announcement.objects.create(
        kind="notice",
        title=f"{MARKER}公告",
        summary="摘要",
        body="正文",
        region_id=FOREIGN_DISTRICT,
        center=center,
        publisher=center.name,
        status="published",
        publish_at=timezone.now(),
        author=officer,
    )
    Attachment.objects.create(
        announcement=world.announcement,
        file=SimpleUploadedFile("notice.pdf", b"%PDF-1.4"),
        original_name="notice.pdf",
        size=8,
    )
    world.disclosure = CenterDisclosure.objects.create(
        center=center,
        year=2025,
        governance=f"{PRIVATE}治理",
        work_report=f"{PRIVATE}报告",
        income=1,
        expenditure=1,
        report_file=SimpleUploadedFile("report.pdf", b"%PDF-1.4"),
    )
    world.notice = Notice.objects.create(
        sender=officer,
        sender_name="武昌区民政局",
        region_id=FOREIGN_DISTRICT,
        audience="centers",
        title=f"{MARKER}通知",
        body=f"{PRIVATE}内容",
    )
    world.phil = foreign_chain(officer, center, org, marker=MARKER, private=PRIVATE)
    world.party_org = PartyOrganization.objects.create(
        name=f"{MARKER}党支部",
        kind="independent",
        region_id=org.region_id,
        organization=org,
        secretary_name=f"{PRIVATE}书记",
        member_count=3,
        founded_on=datetime.date(2024, 1, 1),
        created_by=officer,
    )
    world.party_guide = PartyGuide.objects.create(
        name=f"{PRIVATE}指导员",
        region_id=org.region_id[:9],
        starts_on=datetime.date(2024, 1, 1),
        assigned_by=officer,
    )
    world.party_guide.organizations.add(org)
    return world


def _foreign_evaluation(
    officer: User,
    org: SocialOrganization,
    center: Center,
    street: Center,
    make_user: Callable[..., User],
) -> tuple[Assessment, CenterReview, Survey]:
    """A foreign grading round with an organization's self-assessment, evidence, an evaluator and a draft
    grade under notice; a foreign center review; a foreign survey with an answer."""
    eval_defaults.install(IndicatorTemplate, Indicator)
    rep = make_user(username="wuchang_sweep_rep")
    RoleAssignment.objects.create(
        user=rep, role=Role.ORG_REP, region_id=FOREIGN_DISTRICT, organization=org
    )
    expert = make_user(Role.EXPERT, FOREIGN_DISTRICT, username="wuchang_sweep_expert")
    round_ = eval_services.round_open(
        actor=officer,
        data={
            "name": f"{MARKER}评估批次",
            "year": 2026,
            "region": Region.objects.get(code=FOREIGN_DISTRICT),
            "templates": list(
                IndicatorTemplate.objects.filter(kind="org_grading", is_current=True)
            ),
            "applications_close_on": timezone.localdate() + datetime.timedelta(days=5),
        },
    )
    assessment = eval_services.assessment_apply(actor=rep, round_=round_, organization=org)
    eval_services.evidence_upload(
        actor=rep,
        assessment=assessment,
        title=f"{PRIVATE}材料",
        upload=SimpleUploadedFile("e.pdf", b"%PDF-1.4 evidence", content_type="application/pdf"),
    )
    rates = {
        i.pk: (Decimal(90), "")
        for i in assessment.template.indicators.filter(children__isnull=True)
    }
    eval_services.self_assessment_save(
        actor=rep, assessment=assessment, scores=rates, summary=f"{PRIVATE}自评", submit=True
    )
    eval_services.assessment_check_eligibility(actor=officer, assessment=assessment, accept=True)
    assignment = eval_services.evaluator_assign(
        actor=officer, assessment=assessment, evaluator=expert
    )
    eval_services.onsite_score_submit(
        actor=expert, assignment=assignment, scores=rates, summary=f"{PRIVATE}意见"
    )
    eval_services.grade_propose(actor=officer, assessment=assessment)
    review = eval_services.review_open(actor=officer, center=street, year=2025)
    survey = eval_services.survey_create(
        actor=officer,
        center=street,
        data={
            "title": f"{MARKER}满意度调查",
            "subject": "service",
            "year": 2025,
            "closes_on": timezone.localdate() + datetime.timedelta(days=5),
        },
    )
    answer_by_phone(
        survey,
        "13955556666",
        {
            "overall": 5,
            "attitude": 5,
            "professionalism": 5,
            "facilities": 5,
            "comment": f"{PRIVATE}建议",
        },
    )
    return Assessment.objects.get(pk=assessment.pk), review, survey


def _foreign_governance(officer: User, street: Center) -> tuple[Topic, Opinion, Resolution]:
    topic = Topic.objects.create(
        center=street,
        region_id="420106002003",
        title=f"{MARKER}议题",
        background="b",
        participants=["residents"],
        collect_until=datetime.date(2030, 1, 1),
        created_by=officer,
    )
    opinion = Opinion.objects.create(
        topic=topic, region_id=topic.region_id, author=officer, body=f"{PRIVATE}意见"
    )
    meeting = Meeting.objects.create(
        topic=topic,
        region_id=topic.region_id,
        held_at=timezone.now(),
        location="x",
        participants="x",
        agenda=f"{PRIVATE}议程",
    )
    resolution = Resolution.objects.create(
        meeting=meeting,
        region_id=topic.region_id,
        text=f"{PRIVATE}决议",
        owner="x",
        due_on=datetime.date(2030, 1, 1),
    )
    return topic, opinion, resolution


def _foreign_matching(officer: User, org: SocialOrganization) -> tuple[Need, Match]:
    need = Need.objects.create(
        region_id="420106002003",
        title=f"{MARKER}需求",
        description=f"{PRIVATE}老人送餐",
        submitter=officer,
    )
    offering = ServiceOffering.objects.create(
        organization=org,
        region_id="420106",
        title=f"{MARKER}内部服务",
        description="送餐",
        categories=["elderly"],
        is_active=False,
    )
    offering.areas.set(Region.objects.filter(code="420106"))
    match = Match.objects.create(
        need=need, offering=offering, region_id=need.region_id, status="delivered"
    )
    return need, match


def _foreign_training(officer: User, center: Center) -> tuple[Session, Enrolment, Event, Volunteer]:
    course = CourseFactory.create(center=center, title=f"{MARKER}内部课程", is_published=False)
    session = SessionFactory.create(course=course, location=f"{MARKER}会议室")
    enrolment = Enrolment.objects.create(
        session=session, region_id=session.region_id, person=officer, checked_in_at=timezone.now()
    )
    event = EventFactory.create(center=center, title=f"{MARKER}筹备中活动", status="draft")
    EventPhoto.objects.create(
        event=event, region_id=event.region_id, image="events/x.jpg", caption=f"{PRIVATE}照片"
    )
    volunteer = VolunteerFactory.create(
        region_id=FOREIGN_DISTRICT, name=f"{PRIVATE}志愿者", phone="13955556666"
    )
    ServiceHour.objects.create(
        volunteer=volunteer,
        region_id=volunteer.region_id,
        activity=f"{PRIVATE}服务",
        served_on=datetime.date(2026, 1, 1),
        hours=2,
        recorded_by=officer,
    )
    return session, enrolment, event, volunteer


def _foreign_venue(officer: User, center: Center) -> tuple[Room, Booking]:
    room = RoomFactory.create(
        center=center, name=f"{MARKER}内部会议室", open_to="staff", requires_approval=True
    )
    room_photo_add(
        actor=officer,
        room=room,
        upload=SimpleUploadedFile("room.jpg", b"\xff\xd8\xff"),
        caption=f"{PRIVATE}照片",
    )
    start = timezone.now().replace(hour=2, minute=0, second=0, microsecond=0) + datetime.timedelta(
        days=2
    )
    booking = Booking.objects.create(
        room=room,
        region_id=room.region_id,
        booked_by=officer,
        start=start,
        end=start + datetime.timedelta(hours=2),
        purpose=f"{PRIVATE}会议",
        status="pending",
    )
    return room, booking


def _foreign_incubation(
    officer: User, center: Center
) -> tuple[Application, Application, IntakeRound]:
    """An incubatee with a desk and a milestone, a graduate with a follow-up, and a closed round (a round
    that is open for applications is public by design, so the sweep aims at a closed one)."""
    day = datetime.date(2026, 1, 1)
    # Rounds open for applications are public by design, so every foreign round here is closed.
    round_ = RoundFactory.create(
        program=ProgramFactory.create(center=center, name=f"{MARKER}孵化计划"),
        opens_on=day,
        closes_on=day,
    )
    closed = RoundFactory.create(
        program=round_.program, name=f"{MARKER}往期批次", opens_on=day, closes_on=day
    )
    apps = [
        ApplicationFactory.create(
            round=round_,
            founding_team=f"{MARKER}团队{i}",
            plan=f"{PRIVATE}计划",
            contact_phone="13955556666",
        )
        for i in range(2)
    ]
    for app in apps:
        services_inc.application_decide(actor=officer, application=app, to="eligible")
        services_inc.review_submit(
            actor=officer,
            application=app,
            scores={"need": 20, "feasibility": 20, "capacity": 20, "impact": 20},
        )
        services_inc.application_decide(actor=officer, application=app, to="admitted")
        agreement = services_inc.agreement_create(
            actor=officer, application=app, data={"starts_on": day, "obligations": f"{PRIVATE}义务"}
        )
        services_inc.agreement_sign(actor=officer, agreement=agreement, signed_on=day)
    incubatee, graduate = (Application.objects.get(pk=a.pk) for a in apps)
    desk = DeskFactory.create(center=center, code="W01")
    services_inc.tenancy_allocate(
        actor=officer,
        application=incubatee,
        desk=desk,
        starts_on=day,
        ends_on=datetime.date(2026, 12, 1),
    )
    services_inc.milestone_add(
        actor=officer,
        application=incubatee,
        data={"kind": "registered", "title": f"{PRIVATE}里程碑", "due_on": day},
    )
    services_inc.assessment_record(
        actor=officer,
        application=graduate,
        data={
            "assessed_on": datetime.date(2026, 6, 1),
            "score": 88,
            "summary": f"{PRIVATE}评估",
            "outcome": "graduate",
        },
    )
    return incubatee, Application.objects.get(pk=graduate.pk), closed


@pytest.fixture
def home_users(db: None, make_user: Callable[..., User]) -> list[User]:
    home_center = CenterFactory.create(region_id=HOME_DISTRICT, level="district", name="江岸区中心")
    users = []
    for role in Role.values:
        center = home_center if role == Role.CENTER_STAFF else None
        users.append(make_user(role, HOME_DISTRICT, center=center, username=f"sweep_{role}"))
    return users


def _snapshot() -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    rows += list(Center.objects.filter(region__code__startswith=FOREIGN_DISTRICT).values_list())
    rows += list(
        CenterStaff.objects.filter(center__region__code__startswith=FOREIGN_DISTRICT).values_list()
    )
    rows += list(Notification.objects.values_list())
    for model in (
        SocialOrganization,
        ActivityTeam,
        AnnualReport,
        ArchiveDocument,
        Application,
        Tenancy,
        phil_models.LedgerEntry,
        phil_models.Receipt,
        phil_models.Proposal,
        phil_models.Review,
        phil_models.ConflictDeclaration,
        phil_models.Project,
        phil_models.Subscription,
        phil_models.Tranche,
        phil_models.Evaluation,
        phil_models.Bid,
        phil_models.Tender,
        phil_models.FundingProgram,
        GradingRound,
        Assessment,
        EvaluatorAssignment,
        Appeal,
        CenterReview,
        Reward,
        Survey,
        SurveyResponse,
        BreachAcknowledgement,
        IndicatorTemplate,
    ):
        rows += list(model.objects.values_list())
    return rows


def _urls(world: ForeignWorld) -> list[tuple[str, str]]:
    urls = []
    for name in all_route_names():
        kwargs = FOREIGN_KWARGS[name](world) if name in FOREIGN_KWARGS else {}
        urls.append((name, reverse(name, kwargs=kwargs)))
    return urls


@pytest.mark.django_db
def test_home_district_users_never_see_foreign_rows(
    client,
    foreign_world: ForeignWorld,
    home_users: list[User],
) -> None:
    urls = _urls(foreign_world)
    assert len(urls) >= 15
    for user in home_users:
        client.force_login(user)
        for name, url in urls:
            for target in (url, f"/en{url}" if not url.startswith("/api/") else url):
                response = client.get(target)
                assert response.status_code in {200, 302, 403, 404, 405}, (
                    user,
                    name,
                    response.status_code,
                )
                body = _body(response)
                assert PRIVATE not in body, f"{user.username} saw foreign private data at {name}"
                assert "13955556666" not in body
                if not name.startswith(PUBLIC_NAMESPACES):
                    assert MARKER not in body, (
                        f"{user.username} saw a foreign row at {name} ({url})"
                    )


@pytest.mark.django_db
def test_home_district_users_never_change_foreign_rows(
    client,
    api_client,
    foreign_world: ForeignWorld,
    home_users: list[User],
) -> None:
    before = _snapshot()
    urls = _urls(foreign_world)
    payload = {
        "name": "被篡改",
        "address": "被篡改",
        "center_type": "service_center",
        "level": "district",
        "region_code": FOREIGN_DISTRICT,
        "region": FOREIGN_DISTRICT,
        "position": "director",
        "employment": "full_time",
        "premises_area": "1",
        "operation_mode": "government",
        "status": "active",
        "id": foreign_world.notification.pk,
    }
    for user in home_users:
        client.force_login(user)
        api_client.force_authenticate(user)
        for name, url in urls:
            if url.startswith("/api/"):
                for method in ("post", "patch", "put", "delete"):
                    response = getattr(api_client, method)(url, payload, format="json")
                    # DELETE /api/v1/auth/token/ revokes the caller's own token: 204, nothing foreign changes
                    # (the snapshot below proves it).
                    own = {204} if name == "api:auth-token" and method == "delete" else set()
                    assert response.status_code in {200, 201, 400, 403, 404, 405} | own, (
                        user,
                        name,
                        method,
                    )
                    assert MARKER not in _body(response)
                    assert PRIVATE not in _body(response)
            else:
                response = client.post(url, payload)
                assert response.status_code in {200, 302, 403, 404, 405}, (user, name)
                assert PRIVATE not in _body(response)
                if not name.startswith(PUBLIC_NAMESPACES):
                    assert MARKER not in _body(response)
    assert _snapshot() == before
    assert not Center.objects.filter(
        name="被篡改", region__code__startswith=FOREIGN_DISTRICT
    ).exists()


@pytest.mark.django_db
def test_the_foreign_officer_does_see_their_own_rows(client, foreign_world: ForeignWorld) -> None:
    """Guards the sweep against passing vacuously: the marker is visible to the rightful user."""
    client.force_login(foreign_world.officer)
    assert MARKER in client.get(reverse("network:tree")).content.decode()
    assert (
        MARKER
        in client.get(
            reverse("network:center-detail", kwargs={"pk": foreign_world.center.pk})
        ).content.decode()
    )
    assert (
        PRIVATE
        in client.get(
            reverse("network:center-detail", kwargs={"pk": foreign_world.center.pk})
        ).content.decode()
    )
    assert MARKER in client.get(reverse("shell:audit")).content.decode()
    assert PRIVATE in client.get(reverse("core:notifications")).content.decode()
    assert MARKER in client.get(reverse("api:center-list")).content.decode()
    assert MARKER in client.get(reverse("registry:org-list")).content.decode()
    assert (
        "13955556666"
        in client.get(
            reverse("registry:org-detail", kwargs={"pk": foreign_world.org.pk})
        ).content.decode()
    )
    assert (
        PRIVATE
        in client.get(
            reverse("registry:team-detail", kwargs={"pk": foreign_world.team.pk})
        ).content.decode()
    )
    assert (
        PRIVATE
        in client.get(
            reverse("registry:report-review", kwargs={"pk": foreign_world.report.pk})
        ).content.decode()
    )
    assert (
        client.get(
            reverse("registry:archive-download", kwargs={"pk": foreign_world.archive.pk})
        ).status_code
        == 200
    )
    for name, pk in (
        ("evaluation:round-detail", foreign_world.assessment.round_id),
        ("evaluation:survey-detail", foreign_world.survey.pk),
    ):
        assert MARKER in client.get(reverse(name, kwargs={"pk": pk})).content.decode()
    assert (
        PRIVATE
        in client.get(
            reverse("evaluation:assessment-detail", kwargs={"pk": foreign_world.assessment.pk})
        ).content.decode()
    )


@pytest.mark.django_db
def test_every_page_renders_for_the_rightful_officer_and_an_admin(
    client, foreign_world: ForeignWorld, make_user
) -> None:
    """The same routes, seen by the officer whose district owns the rows and by an administrator: every page
    renders (no server error), so a template broken only when there is data cannot hide behind a 404."""
    admin = make_user(is_superuser=True, is_staff=True, username="sweep_admin")
    for user in (foreign_world.officer, admin):
        client.force_login(user)
        for name, url in _urls(foreign_world):
            response = client.get(url)
            assert response.status_code in {200, 302, 403, 404, 405}, (
                user.username,
                name,
                response.status_code,
            )
