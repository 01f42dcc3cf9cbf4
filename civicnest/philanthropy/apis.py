from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from civicnest.accounts.requests import AuthenticatedApiRequest
from civicnest.core.masking import mask_name
from civicnest.philanthropy import permissions, selectors, services
from civicnest.philanthropy.models import Proposal
from config.api import StandardPagination


def _page(request: Request, view: APIView, qs: Any, serializer: Any, **context: Any) -> Response:
    paginator = StandardPagination()
    page = paginator.paginate_queryset(qs, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True, context=context).data)


class ProgramOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    center = serializers.IntegerField(source="center_id")
    region = serializers.CharField(source="region_id")
    budget = serializers.DecimalField(max_digits=14, decimal_places=2)
    per_project_cap = serializers.DecimalField(max_digits=14, decimal_places=2)
    focus_areas = serializers.ListField(child=serializers.CharField())
    call_opens = serializers.DateField()
    call_closes = serializers.DateField()


class ProgramListApi(APIView):
    @extend_schema(responses={200: ProgramOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        qs = selectors.programs_visible_to(request.user).order_by("-pk")
        return _page(request, self, qs, ProgramOutputSerializer)


class ProposalOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    program = serializers.IntegerField(source="program_id")
    organization = serializers.IntegerField(source="organization_id")
    title = serializers.CharField()
    status = serializers.CharField()
    requested_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    score = serializers.SerializerMethodField()
    review_count = serializers.SerializerMethodField()

    def _summary(self, proposal: Proposal) -> Any:
        user = self.context["user"]
        if permissions.can_run_program(user, proposal.program) or permissions.speaks_for(
            user, proposal.organization_id
        ):
            return selectors.proposal_scores(proposal)
        return None

    def get_score(self, proposal: Proposal) -> str | None:
        summary = self._summary(proposal)
        return str(summary.mean) if summary and summary.mean is not None else None

    def get_review_count(self, proposal: Proposal) -> int | None:
        summary = self._summary(proposal)
        return summary.count if summary else None


class ProposalListApi(APIView):
    """An organization sees only its own proposals and scores; staff their jurisdiction's; experts their panels'."""

    @extend_schema(responses={200: ProposalOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        qs = (
            selectors.proposals_visible_to(request.user)
            .select_related("program__center")
            .prefetch_related("budget_lines")
            .order_by("-pk")
        )
        return _page(request, self, qs, ProposalOutputSerializer, user=request.user)


class ProjectOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    program = serializers.IntegerField(source="program_id")
    organization = serializers.CharField(source="organization.name")
    title = serializers.CharField()
    status = serializers.CharField()
    budget = serializers.DecimalField(max_digits=14, decimal_places=2)
    subscribed = serializers.SerializerMethodField()
    disbursed = serializers.SerializerMethodField()

    def get_subscribed(self, project: Any) -> str:
        return str(selectors.project_money(project)["subscribed"])

    def get_disbursed(self, project: Any) -> str:
        return str(selectors.project_money(project)["disbursed"])


class ProjectListApi(APIView):
    @extend_schema(responses={200: ProjectOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        qs = (
            selectors.projects_visible_to(request.user)
            .select_related("organization")
            .order_by("-published_at", "-pk")
        )
        return _page(request, self, qs, ProjectOutputSerializer)


class SubscriptionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    funder_name = serializers.SerializerMethodField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    receipt = serializers.CharField(source="inflow.receipt.serial")
    created_at = serializers.DateTimeField()

    def get_funder_name(self, subscription: Any) -> str:
        if self.context.get("full") or subscription.funder_id == self.context.get("user_id"):
            return str(subscription.funder_name)
        return mask_name(subscription.funder_name)


class SubscriptionApi(APIView):
    class SubscriptionInputSerializer(serializers.Serializer):
        amount = serializers.DecimalField(max_digits=14, decimal_places=2)
        funder_name = serializers.CharField(required=False, allow_blank=True, max_length=120)

    @extend_schema(responses={200: SubscriptionOutputSerializer(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        project = selectors.access_project_by_id(request.user, pk)
        full = permissions.can_run_program(request.user, project.program) or permissions.speaks_for(
            request.user, project.organization_id
        )
        qs = selectors.project_subscriptions(project=project)
        return _page(
            request, self, qs, SubscriptionOutputSerializer, full=full, user_id=request.user.pk
        )

    @extend_schema(
        request=SubscriptionInputSerializer, responses={201: SubscriptionOutputSerializer}
    )
    def post(self, request: AuthenticatedApiRequest, pk: int) -> Response:
        project = selectors.access_project_by_id(request.user, pk)
        payload = self.SubscriptionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        subscription = services.subscription_create(
            actor=request.user, project=project, **payload.validated_data
        )
        return Response(
            SubscriptionOutputSerializer(subscription, context={"full": True}).data,
            status=status.HTTP_201_CREATED,
        )


class TrancheOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    seq = serializers.IntegerField()
    milestone = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    due_on = serializers.DateField()
    status = serializers.CharField()


class TrancheApi(APIView):
    class TrancheInputSerializer(serializers.Serializer):
        milestone = serializers.CharField(max_length=200)
        amount = serializers.DecimalField(max_digits=14, decimal_places=2)
        due_on = serializers.DateField()

    @extend_schema(responses={200: TrancheOutputSerializer(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        project = selectors.access_project_by_id(request.user, pk)
        qs = selectors.contract_tranches(selectors.contract_of(project), with_entries=False)
        return _page(request, self, qs, TrancheOutputSerializer)

    @extend_schema(request=TrancheInputSerializer, responses={201: TrancheOutputSerializer})
    def post(self, request: AuthenticatedApiRequest, pk: int) -> Response:
        project = selectors.access_project_by_id(request.user, pk)
        payload = self.TrancheInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        tranche = services.tranche_add(
            actor=request.user, project=project, **payload.validated_data
        )
        return Response(TrancheOutputSerializer(tranche).data, status=status.HTTP_201_CREATED)


class LedgerEntryOutputSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    kind = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    balance_after = serializers.DecimalField(max_digits=14, decimal_places=2)
    committed_after = serializers.DecimalField(max_digits=14, decimal_places=2)
    project = serializers.IntegerField(source="project_id", allow_null=True)
    counterparty = serializers.CharField()
    memo = serializers.CharField()
    posted_at = serializers.DateTimeField()


class LedgerApi(APIView):
    """The fund's entries in order; `balance` etc. in the page envelope are sums of all entries."""

    @extend_schema(responses={200: LedgerEntryOutputSerializer(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        fund = selectors.access_fund_by_id(request.user, pk)
        if not permissions.can_keep_fund(request.user, fund):
            raise PermissionDenied
        qs = selectors.fund_ledger(fund=fund)
        response = _page(request, self, qs, LedgerEntryOutputSerializer)
        response.data["totals"] = {k: str(v) for k, v in selectors.fund_totals(fund).items()}
        return response
