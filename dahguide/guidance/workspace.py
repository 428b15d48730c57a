"""The editor's workspace: what a content editor or clinical reviewer has to do, in one read.

A selector (reads only). One version is prepared at a time, so the open version is either a
draft (the editors' work, with its golden cases run and its missing change notes) or waiting for
a reviewer; the recently published versions close the list.
"""

from __future__ import annotations

from dataclasses import dataclass

from dahguide.accounts.roles import CLINICAL_REVIEWER, CONTENT_EDITOR, has_role
from dahguide.guidance.models import GuidelineVersion
from dahguide.guidance.selectors import get_open_version, version_authors
from dahguide.guidance.workflow import Submission, submission_check

Status = GuidelineVersion.Status
RECENTLY_PUBLISHED = 5
_WAITING = (Status.SUBMITTED, Status.UNDER_REVIEW, Status.APPROVED)


@dataclass(frozen=True)
class OpenVersion:
    version: GuidelineVersion
    mine: bool  # the user created, edited or submitted it
    check: Submission | None  # drafts only: failing golden cases, changed recommendations, missing notes


@dataclass(frozen=True)
class Workspace:
    my_drafts: tuple[OpenVersion, ...]
    other_drafts: tuple[OpenVersion, ...]
    waiting_for_review: tuple[OpenVersion, ...]
    recently_published: tuple[GuidelineVersion, ...]
    can_start_draft: bool


def workspace_for(*, user) -> Workspace:
    open_version = get_open_version()
    my_drafts: list[OpenVersion] = []
    other_drafts: list[OpenVersion] = []
    waiting: list[OpenVersion] = []
    if open_version is not None:
        mine = user.pk in version_authors(version=open_version)
        if open_version.status == Status.DRAFT:
            entry = OpenVersion(open_version, mine, submission_check(version=open_version))
            (my_drafts if mine else other_drafts).append(entry)
        elif open_version.status in _WAITING and has_role(user, CLINICAL_REVIEWER):
            waiting.append(OpenVersion(open_version, mine, None))
        elif open_version.status in _WAITING:
            other_drafts.append(OpenVersion(open_version, mine, None))
    published = (
        GuidelineVersion.objects.filter(status__in=GuidelineVersion.FROZEN_STATUSES, published_at__isnull=False)
        .defer("snapshot")
        .select_related("published_by")
        .order_by("-published_at")[:RECENTLY_PUBLISHED]
    )
    return Workspace(
        tuple(my_drafts),
        tuple(other_drafts),
        tuple(waiting),
        tuple(published),
        can_start_draft=open_version is None and has_role(user, CONTENT_EDITOR),
    )
