"""Who may open what: every URL pattern of the project, for every role, one expected response.

The URL patterns come from the resolver (``get_resolver().url_patterns``, recursively, the admin
included), so a view nobody listed here makes ``test_every_url_pattern_has_an_access_entry`` fail.

**Adding a view** is one line in ``ACCESS``::

    "app:name": Row(<URL arguments>, (anonymous, physician, attending, resident, content_editor, clinical_reviewer,
                                      admin)),

Each expectation is an HTTP status, ``LOGIN`` (302 to the login page), ``ADMIN`` (302 to the
admin's login page) or ``302`` (a redirect anywhere else). Builders such as ``own_draft`` make the
URL's arguments for the requesting user (see ``World``); add one when a view needs a new kind of
object. ``owner_only=True`` also checks that another physician gets 404 for the object.

Model-admin pages (``admin:<app>_<model>_<action>``) follow one rule instead of a line each:
anonymous users, physicians, attendings and residents are sent to the admin login (not staff); staff roles get
200 when ``ROLE_PERMISSIONS`` gives them a permission the action needs, 403 otherwise; deviations
from the rule are listed, with their reason, in ``ADMIN_OVERRIDES``. Admin pages that are not a
standard model action (a custom review page, the site's own pages) need a line in ``ACCESS``.

Every response is also checked for the security headers (``tests/security/headers.py``): strict
CSP, framing, referrer and permissions policy, and ``no-store`` for logged-in users.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, include, path, reverse
from django.utils.http import urlencode

from dahguide.accounts.roles import ATTENDING, CLINICAL_REVIEWER, CONTENT_EDITOR, PHYSICIAN, RESIDENT, ROLE_PERMISSIONS
from tests.conftest import TEST_PASSWORD
from tests.security.headers import security_header_problems

pytestmark = pytest.mark.django_db

# An attending is a physician who also signs off cases (never one they wrote): the physician's column
# with the sign-off.
ROLES = ("anonymous", "physician", "attending", "resident", "content_editor", "clinical_reviewer", "admin")
LOGIN = "login"  # 302 to the login page
ADMIN = "admin_login"  # 302 to the admin's login page
Expected = int | str


# -- The objects URLs point at -----------------------------------------------------------------


@dataclass(frozen=True)
class World:
    """One user per role and the objects URL arguments are built from (see the ``world`` fixture)."""

    users: dict[str, Any]
    published_version: Any
    draft_version: Any
    drafts: dict[tuple[str, bool], Any]  # (owner role, complete) -> draft assessment
    case: Any  # a saved case authored by the physician

    def draft_for(self, role: str, *, complete: bool = False):
        """A draft owned by the requesting user (the physician's for users who cannot own one)."""
        return self.drafts[(role if role in DRAFT_OWNERS else "physician", complete)]


DRAFT_OWNERS = ("physician", "attending", "admin")  # superusers hold every role, the physician's included


Builder = Callable[[World, str], dict[str, Any]]


def no_args(world: World, role: str) -> dict[str, Any]:
    return {}


def own_draft(world: World, role: str) -> dict[str, Any]:
    return {"pk": world.draft_for(role).pk}


def own_draft_step(world: World, role: str) -> dict[str, Any]:
    return {"pk": world.draft_for(role).pk, "step": "patient"}


def own_complete_draft(world: World, role: str) -> dict[str, Any]:
    return {"pk": world.draft_for(role, complete=True).pk}


def draft_version(world: World, role: str) -> dict[str, Any]:
    return {"pk": world.draft_version.pk}


def draft_version_submit(world: World, role: str) -> dict[str, Any]:
    return {"pk": world.draft_version.pk, "action": "submit"}


def admin_app(app_label: str) -> Builder:
    return lambda world, role: {"app_label": app_label}


def view_on_site(world: World, role: str) -> dict[str, Any]:
    ct = ContentType.objects.get_for_model(world.draft_version)
    return {"content_type_id": ct.pk, "object_id": world.draft_version.pk}


def physician_user(world: World, role: str) -> dict[str, Any]:
    return {"id": world.users["physician"].pk}


def own_case(world: World, role: str) -> dict[str, Any]:
    return {"pk": world.case.pk}  # authored by the physician


def own_case_checklist(world: World, role: str) -> dict[str, Any]:
    return {"pk": world.case.pk, "code": "monitor_oxygenation"}


def physicians_finished_draft(world: World, role: str) -> dict[str, Any]:
    return {"draft_pk": world.draft_for("physician", complete=True).pk}


def published_number(world: World, role: str) -> dict[str, Any]:
    return {"number": world.published_version.number}


def case_id(world: World, role: str) -> dict[str, Any]:
    return {"case_id": world.case.pk}


def _api_intake(world: World) -> dict[str, Any]:
    from tests.api.conftest import INTAKE

    return INTAKE


def _cds_link(world: World) -> dict[str, str]:
    from dahguide.api.cds import prefill

    return {"t": prefill.dumps(answers={"etiology": "gpa"}, used=[], stale=[], read_at="")}


@dataclass(frozen=True)
class Row:
    build: Builder
    expect: tuple[Expected, Expected, Expected, Expected, Expected, Expected, Expected]  # in the order of ROLES
    method: str = "get"
    query: str | Callable[[World], dict[str, str]] = ""
    data: Callable[[World], Any] | None = None  # the POST body (form fields, or JSON with json=True)
    json: bool = False
    owner_only: bool = False  # another physician gets 404

    def expected(self, role: str) -> Expected:
        return self.expect[ROLES.index(role)]


# fmt: off
ACCESS: dict[str, Row] = {
    # name                 URL arguments             anon   phys   attend res    editor reviewer admin
    "login":           Row(no_args,                 (200,   302,   302,   302,   302,   302,   302)),
    "logout":          Row(no_args,                 (LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN), method="post"),
    "activity":        Row(no_args,                 (401,   204,   204,   204,   204,   204,   204),   method="post"),
    "home":            Row(no_args,                 (LOGIN, 200,   200,   200,   200,   200,   200)),
    "wizard:new":      Row(no_args,                 (LOGIN, 302,   302,   403,   403,   403,   302), method="post"),
    "wizard:resume":   Row(own_draft,               (LOGIN, 302,   302,   403,   403,   403,   302), owner_only=True),
    "wizard:step":     Row(own_draft_step,          (LOGIN, 200,   200,   403,   403,   403,   200), owner_only=True),
    "wizard:review":   Row(own_complete_draft,      (LOGIN, 200,   200,   403,   403,   403,   200), owner_only=True),
    "wizard:plan":     Row(own_complete_draft,      (LOGIN, 200,   200,   403,   403,   403,   200), owner_only=True),
    "wizard:plan_print": Row(own_complete_draft,    (LOGIN, 200,   200,   403,   403,   403,   200), owner_only=True),
    "wizard:preview":  Row(own_draft,               (LOGIN, 200,   200,   403,   403,   403,   200), owner_only=True),
    "wizard:convert":  Row(own_draft,               (LOGIN, 200,   200,   403,   403,   403,   200), owner_only=True,
                           query="for=creatinine_value&creatinine_value=1.8&creatinine_unit=mg/dL"),
    # The admin site's own pages.
    "admin:index":                 Row(no_args,                 (ADMIN, ADMIN, ADMIN, ADMIN, 200,   200,   200)),
    "admin:login":                 Row(no_args,                 (200,   200,   200,   200,   302,   302,   302)),
    "admin:logout":                Row(no_args,                 (302,   302,   302,   302,   LOGIN, LOGIN, LOGIN),
                                       method="post"),
    "admin:password_change":       Row(no_args,                 (ADMIN, ADMIN, ADMIN, ADMIN, 200,   200,   200)),
    "admin:password_change_done":  Row(no_args,                 (ADMIN, ADMIN, ADMIN, ADMIN, 200,   200,   200)),
    "admin:autocomplete":          Row(no_args,                 (ADMIN, ADMIN, ADMIN, ADMIN, 403,   403,   403)),
    "admin:jsi18n":                Row(no_args,                 (ADMIN, ADMIN, ADMIN, ADMIN, 200,   200,   200)),
    "admin:view_on_site":          Row(view_on_site,            (ADMIN, ADMIN, ADMIN, ADMIN, 404,   404,   404)),
    "admin:app_list":              Row(admin_app("guidance"),   (ADMIN, ADMIN, ADMIN, ADMIN, 200,   200,   200)),
    "admin:auth_user_password_change": Row(physician_user,      (ADMIN, ADMIN, ADMIN, ADMIN, 403,   403,   200)),
    # The content review workflow (dahguide/guidance/views.py, inside the admin).
    "admin:guidance_guidelineversion_review":  Row(draft_version, (ADMIN, ADMIN, ADMIN, ADMIN, 200, 200, 200)),
    "admin:guidance_guidelineversion_golden":  Row(draft_version, (ADMIN, ADMIN, ADMIN, ADMIN, 200, 200, 200)),
    "admin:guidance_guidelineversion_impact":  Row(draft_version, (ADMIN, ADMIN, ADMIN, ADMIN, 200, 200, 200)),
    "admin:guidance_guidelineversion_diff":    Row(no_args,       (ADMIN, ADMIN, ADMIN, ADMIN, 200, 200, 200)),
    "admin:guidance_guidelineversion_workspace": Row(no_args,     (ADMIN, ADMIN, ADMIN, ADMIN, 200, 200, 200)),
    # What changed in the guideline, for every role (dahguide/guidance/urls.py).
    "guidance:what_changed": Row(no_args,                         (LOGIN, 200,   200,   200,   200, 200, 200)),
    # "submit" is the editors' step: a reviewer is refused; an editor (or the superuser) returns to the review page.
    "admin:guidance_guidelineversion_transition": Row(draft_version_submit, (ADMIN, ADMIN, ADMIN, ADMIN, 302, 403, 302),
                                                      method="post"),
    # Saved cases (dahguide/cases): the physician is the case's author and the draft's owner; the
    # superuser holds every role but owns neither. Actions are POSTs that redirect to the case.
    "cases:list":       Row(no_args,                   (LOGIN, 200,   200,   200,   403,   403,   200)),
    "cases:export":     Row(no_args,                   (LOGIN, 200,   200,   200,   403,   403,   200)),
    "cases:detail":     Row(own_case,                  (LOGIN, 200,   200,   200,   403,   403,   200)),
    "cases:print":      Row(own_case,                  (LOGIN, 200,   200,   200,   403,   403,   200)),
    "cases:reevaluate": Row(own_case,                  (LOGIN, 200,   200,   200,   403,   403,   200)),
    "cases:comment":    Row(own_case,                  (LOGIN, 302,   302,   302,   403,   403,   302), method="post",
                            data=lambda w: {"text": "A question for the attending."}),
    "cases:checklist":  Row(own_case_checklist,        (LOGIN, 302,   302,   403,   403,   403,   302), method="post",
                            data=lambda w: {"ticked": "true"}),
    "cases:signoff":    Row(own_case,                  (LOGIN, 403,   302,   403,   403,   403,   302), method="post",
                            data=lambda w: {"revision": "1", "decision": "agree"}),
    "cases:amend":      Row(own_case,                  (LOGIN, 302,   403,   403,   403,   403,   403), method="post"),
    "cases:save":       Row(physicians_finished_draft, (LOGIN, 302,   404,   403,   403,   403,   404), method="post",
                            data=lambda w: {"label": "GPA", "content_hash": w.published_version.content_hash}),
    # Recommendations not followed (dahguide/feedback): physicians mark them on a case (the form page;
    # the POST is tested in tests/feedback), editors and reviewers read the counts, never a case.
    "feedback:not_followed": Row(own_case,          (LOGIN, 200,   200,   403,   403,   403,   200)),
    "feedback:overview": Row(no_args,               (LOGIN, 403,   403,   403,   200,   200,   200)),
    "feedback:version":  Row(published_number,      (LOGIN, 403,   403,   403,   200,   200,   200)),
    "feedback:export":   Row(no_args,               (LOGIN, 403,   403,   403,   200,   200,   200)),
    # The JSON API (token or session; 401 without), CDS Hooks (a signed JWT only) and the CDS card's link.
    "api:evaluate":     Row(no_args,                   (401,   200,   200,   403,   403,   403,   200), method="post",
                            data=_api_intake, json=True),
    "api:guideline":    Row(no_args,                   (401,   200,   200,   200,   200,   200,   200)),
    "api:guideline_questionnaire":   Row(no_args,      (401,   200,   200,   200,   200,   200,   200)),
    "api:guideline_plandefinition":  Row(no_args,      (401,   200,   200,   200,   200,   200,   200)),
    "api:version_questionnaire":     Row(published_number, (401,   200,   200,   200,   200,   200,   200)),
    "api:version_plandefinition":    Row(published_number, (401,   200,   200,   200,   200,   200,   200)),
    "api:openapi":      Row(no_args,                   (200,   200,   200,   200,   200,   200,   200)),
    "api:case_fhir":    Row(case_id,                   (401,   200,   200,   200,   403,   403,   200)),
    "api:cds_discovery": Row(no_args,                  (200,   200,   200,   200,   200,   200,   200)),
    "api:cds_service":  Row(no_args,                   (401,   401,   401,   401,   401,   401,   401), method="post",
                            data=lambda w: {"hook": "patient-view"}, json=True),
    "api:cds_feedback": Row(no_args,                   (401,   401,   401,   401,   401,   401,   401), method="post",
                            data=lambda w: {"feedback": []}, json=True),
    "api:from_cds":     Row(no_args,                   (LOGIN, 200,   200,   403,   403,   403,   200),
                            query=_cds_link),
    # SMART App Launch: the launch URL answers everyone (an EHR opens it; without a launch it explains itself),
    # the redirect URI and the confirmation are the physician's (no launch in progress here: 400).
    "smart:launch":     Row(no_args,                   (400,   400,   400,   400,   400,   400,   400)),
    "smart:callback":   Row(no_args,                   (LOGIN, 400,   400,   403,   403,   403,   400)),
    "smart:confirm":    Row(no_args,                   (LOGIN, 400,   400,   403,   403,   403,   400), method="post"),
}
# fmt: on

# Admin app index pages other than the one in ACCESS: 404 for a staff user with no permission in the app.
ADMIN_APP_ACCESS: dict[str, tuple[Expected, Expected, Expected]] = {
    #         editor reviewer admin
    "auth": (404, 404, 200),
    "authtoken": (404, 404, 200),
    "cases": (404, 404, 200),
    "axes": (404, 404, 200),
    "guidance": (200, 200, 200),
}

# -- The rule for model-admin pages -----------------------------------------------------------

STAFF_ROLES = ("content_editor", "clinical_reviewer", "admin")
# The permissions (any of) a standard model-admin page needs.
ADMIN_ACTIONS: dict[str, tuple[str, ...]] = {
    "changelist": ("view", "change"),
    "add": ("add",),
    "change": ("view", "change"),
    "history": ("view", "change"),
    "delete": ("delete",),
    "simple_history": ("view", "change"),  # django-simple-history's "view this revision"
}
# Where a model's admin deliberately differs from its role permissions: name -> {role: status}.
ADMIN_OVERRIDES: dict[str, dict[str, Expected]] = {
    # A guideline version is added through the workflow's "start a draft": editors only, and
    # only while no other version is open (the world already has one, so the page says why).
    "admin:guidance_guidelineversion_add": {"clinical_reviewer": 403},
    # Content something refers to is never offered for deletion (guidance/editing.py): the first
    # row of each of these in the draft is cited, expected by a golden case or read by the engine.
    **{
        f"admin:guidance_{model}_delete": {"content_editor": 403, "admin": 403}
        for model in ("citation", "dose", "guidancetext", "recommendation", "threshold", "warningcontent")
    },
    # The workflow log is written by the workflow services only, and never deleted.
    "admin:guidance_versiontransition_add": {"admin": 403},
    "admin:guidance_versiontransition_delete": {"admin": 403},
    # The case access log is an audit trail: read-only for everyone.
    "admin:cases_caseaccesslog_add": {"admin": 403},
    "admin:cases_caseaccesslog_delete": {"admin": 403},
    # django-axes keeps its records read-only.
    "admin:axes_accessattempt_add": {"admin": 403},
    "admin:axes_accesslog_add": {"admin": 403},
    "admin:axes_accessfailurelog_add": {"admin": 403},
}


def _role_actions(role: str, app_label: str, model_name: str) -> set[str]:
    if role == "admin":
        return {"add", "change", "delete", "view"}
    group = {"content_editor": CONTENT_EDITOR, "clinical_reviewer": CLINICAL_REVIEWER}[role]
    return set(ROLE_PERMISSIONS[group].get((app_label, model_name), ()))


def _model_admin_page(name: str) -> tuple[Any, str] | None:
    """(model, action) for ``admin:<app>_<model>_<action>`` of a registered model, else None."""
    if not name.startswith("admin:"):
        return None
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix) and name.removeprefix(prefix) in ADMIN_ACTIONS:
            return model, name.removeprefix(prefix)
    return None


def admin_rule_row(name: str, model: Any, action: str) -> Row:
    app_label, model_name = model._meta.app_label, model._meta.model_name
    needed = set(ADMIN_ACTIONS[action])
    staff = {role: 200 if _role_actions(role, app_label, model_name) & needed else 403 for role in STAFF_ROLES}
    staff.update(ADMIN_OVERRIDES.get(name, {}))
    build = _admin_object_args(model, action)
    return Row(build, (ADMIN, ADMIN, ADMIN, ADMIN, staff["content_editor"], staff["clinical_reviewer"], staff["admin"]))


def _admin_object_args(model: Any, action: str) -> Builder:
    if action in {"changelist", "add"}:
        return no_args

    def build(world: World, role: str) -> dict[str, Any]:
        obj = admin_object(world, model)
        if action == "simple_history":
            record = obj.history.order_by("-history_id").first()
            return {"args": [obj.pk, record.history_id]}
        return {"object_id": obj.pk}

    return build


def admin_object(world: World, model: Any) -> Any:
    """An object of ``model`` that its admin pages open: editable content of the draft version."""
    from dahguide.guidance.models import GuidelineVersion

    if model is GuidelineVersion:
        return world.draft_version
    names = {f.name for f in model._meta.get_fields()}
    if model._meta.app_label == "auth" and model._meta.model_name == "user":
        return world.users["physician"]
    queryset = model._default_manager.order_by("pk")
    if "version" in names:
        queryset = queryset.filter(version=world.draft_version)
    elif hasattr(model, "ITEM_FIELD"):  # a condition: the version of its item
        queryset = queryset.filter(**{f"{model.ITEM_FIELD}__version": world.draft_version})
    obj = queryset.first()
    assert obj is not None, (
        f"The access matrix has no {model._meta.label} to open: create one in the `world` fixture "
        "(tests/test_access_matrix.py)."
    )
    return obj


# -- Enumerating the resolver -------------------------------------------------------------------


def iter_patterns(patterns=None, prefix: str = "", namespace: str = "") -> Iterator[tuple[str | None, str]]:
    """(namespaced name or None, route) for every URL pattern, included ones too."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from iter_patterns(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield (f"{namespace}{pattern.name}" if pattern.name else None, prefix + str(pattern.pattern))


def all_rows() -> dict[str, Row]:
    """Every named URL with its expectations: ``ACCESS`` lines, then the admin rule."""
    rows = dict(ACCESS)
    for name, _route in iter_patterns():
        if name is None or name in rows:
            continue
        page = _model_admin_page(name)
        if page is not None:
            rows[name] = admin_rule_row(name, *page)
    return rows


def _is_admin_unnamed(route: str) -> bool:
    # The admin's "<object_id>/" redirect to the change page, and its catch-all 404.
    return route.startswith("admin/")


# -- Fixtures and requests ----------------------------------------------------------------------


def _saved_case(author):
    from dahguide.cases import services as case_services
    from tests.cases.conftest import save_case

    case = save_case(author)
    case_services.case_access_record(case_id=case.pk, user=author, action="view")
    return case


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, guideline_document) -> Iterator[World]:
    """Built once for the module inside a transaction that is rolled back at the end; each test
    runs in a savepoint of it (pytest-django), so what a request changes is undone after the test."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from dahguide.guidance.golden import golden_cases_load, golden_cases_read
    from dahguide.guidance.models import ChangeNote
    from dahguide.guidance.selectors import clear_snapshot_cache
    from dahguide.guidance.services import guideline_import
    from dahguide.guidance.workflow import version_create_draft
    from dahguide.wizard import services
    from dahguide.wizard.answers import STEP_CODES
    from tests.conftest import _user
    from tests.wizard.conftest import VALID

    with django_db_blocker.unblock(), transaction.atomic():
        user_model = get_user_model()
        users = {
            "anonymous": None,
            "physician": _user(user_model, "physician", PHYSICIAN),
            "attending": _user(user_model, "attending", ATTENDING),
            "resident": _user(user_model, "resident", RESIDENT),
            "content_editor": _user(user_model, "editor", CONTENT_EDITOR, staff=True),
            "clinical_reviewer": _user(user_model, "reviewer", CLINICAL_REVIEWER, staff=True),
            "admin": _user(user_model, "admin", None, superuser=True),
        }
        published = guideline_import(document=guideline_document, publish=True)
        golden_cases_load(cases=golden_cases_read())
        draft_version = version_create_draft(user=users["content_editor"])
        ChangeNote.objects.create(version=draft_version, recommendation="platelet_transfusion", text="Reworded.")
        AccessAttempt.objects.create(username="someone", ip_address="10.0.0.1", user_agent="x", failures_since_start=1)
        AccessLog.objects.create(username="someone", ip_address="10.0.0.1", user_agent="x")
        AccessFailureLog.objects.create(username="someone", ip_address="10.0.0.1", user_agent="x")
        if apps.is_installed("rest_framework.authtoken"):
            from rest_framework.authtoken.models import Token

            Token.objects.create(user=users["physician"])
        answers = {name: value for step in VALID.values() for name, value in step.items()}
        drafts = {}
        for role in DRAFT_OWNERS:
            for complete in (False, True):
                draft = services.draft_create(
                    owner=users[role], first_step=STEP_CODES[0], guideline_version=published.number
                )
                if complete:
                    draft = services.draft_save_answers(
                        draft=draft, answers=answers, current_step="review", complete=STEP_CODES
                    )
                drafts[(role, complete)] = draft
        clear_snapshot_cache()
        case = _saved_case(users["physician"])
        yield World(users=users, published_version=published, draft_version=draft_version, drafts=drafts, case=case)
        clear_snapshot_cache()
        transaction.set_rollback(True)


@pytest.fixture
def clients(world) -> dict[str, Client]:
    """One client per role, logged in once per test."""
    clients = {}
    for role in ROLES:
        clients[role] = Client()
        if world.users[role] is not None:
            clients[role].force_login(world.users[role])
    return clients


def request_as(world: World, role: str, name: str, row: Row, client: Client):
    built = row.build(world, role)
    url = reverse(name, args=built.pop("args")) if "args" in built else reverse(name, kwargs=built)
    query = row.query(world) if callable(row.query) else row.query
    if query:
        url = f"{url}?{query if isinstance(query, str) else urlencode(query)}"
    data = row.data(world) if row.data else {}
    if row.json:
        return client.post(url, json.dumps(data), content_type="application/json")
    return getattr(client, row.method)(url, data) if row.method == "post" else client.get(url)


def outcome_problem(response, expected: Expected) -> str | None:
    """None when the response is what was expected, else a description of the difference."""
    location = response.get("Location", "")
    if expected in (LOGIN, ADMIN):
        target = reverse("login") if expected == LOGIN else reverse("admin:login")
        if response.status_code == 302 and location.startswith(target):
            return None
        return f"expected a redirect to {target}, got {response.status_code} {location}".strip()
    if response.status_code != expected:
        return f"expected {expected}, got {response.status_code} {location}".strip()
    if expected == 302 and location.startswith((reverse("login"), reverse("admin:login"))):
        return f"expected a redirect elsewhere than the login page, got {location}"
    return None


def check_row(world: World, clients: dict[str, Client], name: str, row: Row) -> list[str]:
    problems = []
    for role in ROLES:
        response = request_as(world, role, name, row, clients[role])
        problem = outcome_problem(response, row.expected(role))
        if problem:
            problems.append(f"{name} as {role}: {problem}")
        for header_problem in security_header_problems(response, authenticated=role != "anonymous"):
            problems.append(f"{name} as {role}: {header_problem}")
    return problems


# -- Tests --------------------------------------------------------------------------------------


def entries_missing() -> tuple[list[str], list[str]]:
    """(URL names without an expectation, unnamed non-admin routes) of the current URLconf."""
    rows = all_rows()
    missing = sorted(name for name, _ in iter_patterns() if name is not None and name not in rows)
    unnamed = sorted(route for name, route in iter_patterns() if name is None and not _is_admin_unnamed(route))
    return missing, unnamed


def test_every_url_pattern_has_an_access_entry():
    missing, unnamed = entries_missing()
    assert not missing, (
        "These URL names have no line in ACCESS (tests/test_access_matrix.py): add one saying what each "
        f"role gets: {missing}"
    )
    assert not unnamed, f"Give these URL patterns a name and a line in ACCESS: {unnamed}"


def _new_view(request):  # pragma: no cover - never called
    raise AssertionError


# The project's URLs plus views nobody listed: the URLconf of the self-test below.
urlpatterns = [
    path("", include("dahguide.urls")),
    path("new-page/", _new_view, name="new_page"),
    path("nameless/", _new_view),
    path("admin/guidance/guidelineversion/<int:pk>/new-report/", _new_view, name="admin:guidance_new_report"),
]


@override_settings(ROOT_URLCONF=__name__)
def test_a_view_without_an_entry_is_reported():
    missing, unnamed = entries_missing()
    assert missing == ["admin:guidance_new_report", "new_page"]
    assert unnamed == ["nameless/"]


def test_access_entries_name_existing_urls():
    names = {name for name, _ in iter_patterns()}
    assert not sorted(set(ACCESS) - names), "ACCESS lists URL names that no longer exist"


_NON_ADMIN = sorted(name for name in ACCESS if not name.startswith("admin:"))
_ADMIN_SITE = sorted(name for name in ACCESS if name.startswith("admin:"))


@pytest.mark.parametrize("name", _NON_ADMIN + _ADMIN_SITE)
def test_access_entry(world, clients, name):
    problems = check_row(world, clients, name, ACCESS[name])
    assert not problems, "\n".join(problems)


def _admin_models() -> list[str]:
    return sorted(model._meta.label_lower for model in admin.site._registry)


@pytest.mark.parametrize("model_label", _admin_models())
def test_model_admin_pages_follow_the_role_permissions(world, clients, model_label):
    rows = {
        name: row
        for name, row in all_rows().items()
        if name not in ACCESS and (page := _model_admin_page(name)) and page[0]._meta.label_lower == model_label
    }
    assert rows, f"no admin pages found for {model_label}"
    problems = [problem for name, row in sorted(rows.items()) for problem in check_row(world, clients, name, row)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("app_label", sorted(ADMIN_APP_ACCESS))
def test_admin_app_index_shows_only_apps_the_role_works_in(world, clients, app_label):
    editor, reviewer, superuser = ADMIN_APP_ACCESS[app_label]
    row = Row(admin_app(app_label), (ADMIN, ADMIN, ADMIN, ADMIN, editor, reviewer, superuser))
    problems = check_row(world, clients, "admin:app_list", row)
    assert not problems, "\n".join(problems)


def test_every_admin_app_has_an_app_index_entry():
    assert {model._meta.app_label for model in admin.site._registry} == set(ADMIN_APP_ACCESS)


@pytest.mark.parametrize("name", sorted(n for n, row in ACCESS.items() if row.owner_only))
def test_another_physicians_object_is_not_found(world, django_user_model, name):
    other = django_user_model.objects.create_user(username="other-physician", password=TEST_PASSWORD)
    other.groups.add(Group.objects.get(name=PHYSICIAN))
    client = Client()
    client.force_login(other)
    row = ACCESS[name]
    response = request_as(world, "physician", name, row, client)  # the first physician's object, as the other
    assert response.status_code == 404


def test_roles_of_the_matrix_are_the_product_roles():
    from dahguide.accounts.roles import ROLES as PRODUCT_ROLES

    assert set(PRODUCT_ROLES) == {PHYSICIAN, ATTENDING, RESIDENT, CONTENT_EDITOR, CLINICAL_REVIEWER}
    assert set(ROLES) == {"anonymous", "admin", *PRODUCT_ROLES}
