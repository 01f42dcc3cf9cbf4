from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from civicnest.accounts.roles import Role
from civicnest.governance import permissions
from civicnest.governance.models import Meeting, Opinion, Resolution, Topic
from civicnest.matching.engine import concepts
from civicnest.regions.codes import subtree_q
from civicnest.regions.scoping import Scope


def topics_visible_to(user: Any) -> QuerySet[Topic]:
    """Staff see their jurisdiction's topics; residents and organizations the topics of the places they belong to."""
    scope = Scope.for_user(user)
    if scope.is_superuser:
        return Topic.objects.all()
    condition = scope.q("region")
    for grant in scope.grants:
        if grant.role in (Role.RESIDENT, Role.VOLUNTEER):
            # every topic whose region contains the resident's place (community → street → district)
            prefixes = [grant.region_code[:n] for n in (12, 9, 6) if len(grant.region_code) >= n]
            condition |= Q(region_id__in=prefixes)
        elif grant.role == Role.ORG_REP:
            condition |= subtree_q([grant.region_code[:6]], "region")
    return Topic.objects.filter(condition)


def access_topic_by_id(user: Any, pk: int) -> Topic:
    return get_object_or_404(topics_visible_to(user).select_related("center", "region"), pk=pk)


def topic_opinions(*, user: Any, topic: Topic) -> list[Opinion]:
    """Hidden opinions are shown (with the reason) only to the people who run the topic."""
    qs = topic.opinions.select_related("author").annotate(support_count=Count("supports"))
    if not permissions.can_run_topic(user, topic):
        qs = qs.filter(is_hidden=False)
    return list(qs.order_by("-support_count", "-created_at"))


def access_opinion_by_id(user: Any, pk: int) -> Opinion:
    return get_object_or_404(
        Opinion.objects.filter(topic__in=topics_visible_to(user)).select_related(
            "topic__center", "topic__region"
        ),
        pk=pk,
    )


def access_meeting_by_id(user: Any, pk: int) -> Meeting:
    return get_object_or_404(
        Meeting.objects.filter(topic__in=topics_visible_to(user)).select_related("topic__center"),
        pk=pk,
    )


def access_resolution_by_id(user: Any, pk: int) -> Resolution:
    return get_object_or_404(
        Resolution.objects.filter(meeting__topic__in=topics_visible_to(user)).select_related(
            "meeting__topic__center"
        ),
        pk=pk,
    )


def follow_ups(*, topic: Topic) -> QuerySet[Resolution]:
    return (
        Resolution.objects.filter(meeting__topic=topic)
        .prefetch_related("updates")
        .order_by("due_on", "pk")
    )


def opinion_themes(opinions: list[Opinion], top: int = 8) -> list[tuple[str, list[Opinion]]]:
    """Group opinions by their most shared keyword (jieba with the domain dictionary), to help staff compile
    reports: each opinion goes to the most frequent of its own keywords; the rest fall under 其他."""

    words = {o.pk: [w for w in dict.fromkeys(concepts(o.body)) if len(w) > 1] for o in opinions}
    frequency = Counter(w for ws in words.values() for w in ws)
    themes = [w for w, n in frequency.most_common(top) if n > 1]
    groups: dict[str, list[Opinion]] = {t: [] for t in themes}
    other: list[Opinion] = []
    for opinion in opinions:
        theme = max(
            (w for w in words[opinion.pk] if w in groups), key=lambda w: frequency[w], default=None
        )
        (groups[theme] if theme else other).append(opinion)
    result = [(t, ops) for t, ops in groups.items() if ops]
    if other:
        result.append((str(_("其他")), other))
    return result


def opinion_list(*, user: Any) -> QuerySet[Opinion]:
    """Visible opinions on the topics the user may see, with their support counts (the API's list)."""
    return (
        Opinion.objects.filter(topic__in=topics_visible_to(user), is_hidden=False)
        .annotate(support_count=Count("supports"))
        .order_by("-created_at", "pk")
    )


def meeting_list(*, user: Any) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(topic__in=topics_visible_to(user))
        .prefetch_related("resolutions")
        .order_by("-held_at", "pk")
    )
