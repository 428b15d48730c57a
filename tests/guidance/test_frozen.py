"""Published content is frozen at the model layer: every content model, every write path.

Each test writes to one row of the published version (or a retired one) through one path and
expects ``FrozenContentError`` (the ORM) or a refusal (the admin); afterwards the published
snapshot must still equal what its rows compile to, so what was reviewed is what is stored.
Golden cases belong to no version (they are run against every draft), so they are not here.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet
from django.urls import reverse

from dahguide.guidance.documents import content_hash, guideline_compile
from dahguide.guidance.frozen import FrozenContentError, filling_new_draft, frozen_filter, status_change_allowed
from dahguide.guidance.models import (
    ChangeNote,
    Citation,
    Disagreement,
    DisagreementCondition,
    Dose,
    GuidanceText,
    GuidelineVersion,
    MonitoringCondition,
    MonitoringItem,
    Recommendation,
    RecommendationCondition,
    Stance,
    Threshold,
    WarningCondition,
    WarningContent,
)
from dahguide.guidance.services import version_status_change
from dahguide.guidance.workflow import version_create_draft

pytestmark = pytest.mark.django_db

Status = GuidelineVersion.Status
ITEMS = (Citation, Threshold, Recommendation, MonitoringItem, WarningContent, Disagreement, Stance, Dose, GuidanceText)
CONDITIONS = (RecommendationCondition, MonitoringCondition, WarningCondition, DisagreementCondition)
CONTENT = (GuidelineVersion, *ITEMS, *CONDITIONS)
# A field of each model an edit would change, and a value for it.
EDITS: dict[type[models.Model], tuple[str, object]] = {
    GuidelineVersion: ("title", "Rogue title"),
    Citation: ("label", "Rogue"),
    Threshold: ("label", "Rogue"),
    Recommendation: ("title", "Rogue"),
    MonitoringItem: ("text", "Rogue"),
    WarningContent: ("text", "Rogue"),
    Disagreement: ("position", "Rogue"),
    Stance: ("text", "Rogue"),
    Dose: ("note", "Rogue"),
    GuidanceText: ("text", "Rogue"),
    RecommendationCondition: ("group", 9),
    MonitoringCondition: ("group", 9),
    WarningCondition: ("group", 9),
    DisagreementCondition: ("group", 9),
    ChangeNote: ("text", "Rogue"),
}


def frozen_row(model: type[models.Model]) -> models.Model:
    return model.objects.filter(**frozen_filter(model)).order_by("pk").first()


def assert_snapshot_matches_rows(version: GuidelineVersion) -> None:
    version = GuidelineVersion.objects.get(pk=version.pk)
    assert version.status in GuidelineVersion.FROZEN_STATUSES
    assert content_hash(guideline_compile(version=version)) == version.content_hash == version.snapshot["content_hash"]


@pytest.fixture(params=["published", "retired"])
def frozen_version(request, published_guideline) -> GuidelineVersion:
    """Version 1, published or retired (through the workflow's one way to change a status)."""
    if request.param == "retired":
        version_status_change(version=published_guideline, to_status=Status.RETIRED)
    return published_guideline


@pytest.fixture
def noted_version(editor_draft, move_to, clinical_reviewer) -> GuidelineVersion:
    """A published version 2 that carries a change note."""
    from dahguide.guidance.workflow import version_publish

    ChangeNote.objects.create(version=editor_draft, recommendation="platelet_transfusion", text="Wording clarified.")
    return version_publish(version=move_to(editor_draft, Status.APPROVED), user=clinical_reviewer)


# --- the ORM -----------------------------------------------------------------------------------


def _save(row):
    field, value = EDITS[type(row)]
    setattr(row, field, value)
    row.save()


def _save_moved(row):
    """Moving a frozen item into a draft would take it out of what was reviewed."""
    draft = version_create_draft_row()
    if isinstance(row, GuidelineVersion):
        row.status = Status.DRAFT
    elif hasattr(row, "version_id"):
        row.version = draft
    else:
        item = type(row)._meta.get_field(row.ITEM_FIELD).related_model.objects.filter(version=draft).first()
        setattr(row, row.ITEM_FIELD, item)
    row.save()


def version_create_draft_row() -> GuidelineVersion:
    return GuidelineVersion.objects.create(number=99, title="Draft")


def _delete(row):
    row.delete()


def _queryset_update(row):
    field, value = EDITS[type(row)]
    type(row).objects.filter(pk=row.pk).update(**{field: value})


def _queryset_delete(row):
    type(row).objects.filter(pk=row.pk).delete()


def _base_manager_update(row):
    field, value = EDITS[type(row)]
    type(row)._base_manager.filter(pk=row.pk).update(**{field: value})


def _bulk_update(row):
    field, value = EDITS[type(row)]
    setattr(row, field, value)
    type(row).objects.bulk_update([row], [field])


def _bulk_create_into(row):
    """A new row added to the frozen version (or to a frozen item, for a condition)."""
    model = type(row)
    copy = model.objects.get(pk=row.pk)
    copy.pk = None
    copy._state.adding = True
    if hasattr(copy, "code"):
        copy.code = f"{copy.code}_copy"
    if isinstance(copy, Citation):
        copy.key = f"{copy.key}_copy"
    if isinstance(copy, Stance):
        copy.recommendation = "no_such_recommendation"
    if isinstance(copy, GuidelineVersion):
        copy.number = 98
    model.objects.bulk_create([copy])


def _create_into(row):
    model = type(row)
    copy = model.objects.get(pk=row.pk)
    copy.pk = None
    copy._state.adding = True
    if hasattr(copy, "code"):
        copy.code = f"{copy.code}_copy"
    if isinstance(copy, Citation):
        copy.key = f"{copy.key}_copy"
    if isinstance(copy, GuidelineVersion):
        copy.number = 98
    copy.save()


ORM_PATHS: dict[str, Callable] = {
    "save": _save,
    "save moved out": _save_moved,
    "delete": _delete,
    "queryset update": _queryset_update,
    "queryset delete": _queryset_delete,
    "base manager update": _base_manager_update,
    "bulk_update": _bulk_update,
    "bulk_create": _bulk_create_into,
    "create": _create_into,
}


@pytest.mark.parametrize("path", ORM_PATHS)
@pytest.mark.parametrize("model", CONTENT, ids=lambda m: m.__name__)
def test_every_orm_write_to_frozen_content_is_refused(frozen_version, model, path):
    row = frozen_row(model)
    with pytest.raises(FrozenContentError), transaction.atomic():
        ORM_PATHS[path](row)
    assert_snapshot_matches_rows(frozen_version)


@pytest.mark.parametrize("path", ["save", "delete", "queryset update", "queryset delete", "bulk_update"])
def test_a_change_note_of_a_published_version_is_frozen(noted_version, path):
    with pytest.raises(FrozenContentError), transaction.atomic():
        ORM_PATHS[path](ChangeNote.objects.get(version=noted_version))
    assert ChangeNote.objects.get(version=noted_version).text == "Wording clarified."
    assert_snapshot_matches_rows(noted_version)


LINK_CHANGES = [
    (model, change)
    for model in CONTENT
    if model._meta.many_to_many
    for change in ("add", "remove", "clear", "reverse add")
    if not (change == "reverse add" and model is GuidelineVersion)  # its link has no reverse accessor
]


@pytest.mark.parametrize(("model", "change"), LINK_CHANGES, ids=lambda p: getattr(p, "__name__", p))
def test_citation_links_of_frozen_content_are_refused(published_guideline, model, change):
    field = model._meta.many_to_many[0].name
    row = model.objects.filter(**frozen_filter(model), **{f"{field}__isnull": False}).order_by("pk").first()
    links = getattr(row, field)
    citation = Citation.objects.filter(version=published_guideline).exclude(pk__in=links.all()).first()
    with pytest.raises(FrozenContentError), transaction.atomic():
        if change == "add":
            links.add(citation)
        elif change == "remove":
            links.remove(*links.all())
        elif change == "clear":
            links.clear()
        else:
            getattr(citation, model._meta.get_field(field).remote_field.get_accessor_name()).add(row)
    assert_snapshot_matches_rows(published_guideline)


def test_a_draft_is_edited_freely(editor_draft):
    recommendation = Recommendation.objects.filter(version=editor_draft).first()
    recommendation.title = "Reworded"
    recommendation.save()
    assert Recommendation.objects.get(pk=recommendation.pk).title == "Reworded"


def test_a_status_changes_only_through_the_workflow(editor_draft):
    editor_draft.status = Status.SUBMITTED
    with pytest.raises(FrozenContentError, match="only through the review workflow"):
        editor_draft.save()


def test_a_status_update_outside_the_workflow_is_refused(editor_draft):
    with pytest.raises(FrozenContentError, match="only through the review workflow"):
        GuidelineVersion.objects.filter(pk=editor_draft.pk).update(status=Status.APPROVED)


def test_the_way_through_writes_only_the_status_fields(published_guideline):
    published_guideline.title = "Rogue"
    with pytest.raises(FrozenContentError), status_change_allowed(published_guideline.pk):
        published_guideline.save()  # every field, not just the status


def test_retiring_through_the_service_is_allowed(published_guideline):
    version_status_change(version=published_guideline, to_status=Status.RETIRED)
    assert GuidelineVersion.objects.get(pk=published_guideline.pk).status == Status.RETIRED


def test_the_error_says_what_to_do(published_guideline):
    with pytest.raises(FrozenContentError, match="start a new draft version"):
        _save(frozen_row(Threshold))


def test_frozen_content_error_is_a_403_in_views():
    from django.core.exceptions import PermissionDenied

    assert issubclass(FrozenContentError, PermissionDenied)


# --- the database: one open version ------------------------------------------------------------


def test_the_database_refuses_a_second_open_version(editor_draft):
    # A plain QuerySet: past the model's guard, down to the constraint.
    with pytest.raises(IntegrityError), transaction.atomic():
        QuerySet(GuidelineVersion).bulk_create([GuidelineVersion(number=3, title="Second draft")])


def test_an_open_version_may_follow_a_published_one(published_guideline):
    assert version_create_draft_row().status == Status.DRAFT


# --- the admin ---------------------------------------------------------------------------------


def _admin_url(row, action: str) -> str:
    return reverse(f"admin:guidance_{row._meta.model_name}_{action}", args=[row.pk])


def _parent(row) -> models.Model:
    """The page that edits ``row`` inline: its version's, or its recommendation's / item's."""
    if isinstance(row, Stance | Dose):
        return Recommendation.objects.get(version=row.version_id, code=row.recommendation)
    if hasattr(row, "ITEM_FIELD"):
        return row.item
    return row.version


# Which admin page has each model as an inline (models edited only on their own page are absent).
INLINED = (Threshold, MonitoringItem, Citation, GuidanceText, Stance, Dose, *CONDITIONS)


@pytest.mark.parametrize("model", [*ITEMS, *CONDITIONS], ids=lambda m: m.__name__)
def test_admin_add_offers_no_frozen_parent(client, admin_user, frozen_version, model):
    row = frozen_row(model)
    parent_field = row.ITEM_FIELD if hasattr(row, "ITEM_FIELD") else "version"
    parent = getattr(row, parent_field)
    count = model.objects.count()
    client.force_login(admin_user)
    response = client.post(reverse(f"admin:guidance_{model._meta.model_name}_add"), {parent_field: parent.pk})
    assert response.status_code == 200  # the form again, with "select a valid choice"
    assert str(parent.pk) not in [str(v) for v, _ in response.context["adminform"].form.fields[parent_field].choices]
    assert model.objects.count() == count
    assert_snapshot_matches_rows(frozen_version)


@pytest.mark.parametrize("action", ["change", "delete"])
@pytest.mark.parametrize("model", CONTENT, ids=lambda m: m.__name__)
def test_admin_change_and_delete_are_refused(client, admin_user, frozen_version, model, action):
    row = frozen_row(model)
    field, value = EDITS[model]
    client.force_login(admin_user)
    data = {"post": "yes"} if action == "delete" else {field: value}
    assert client.post(_admin_url(row, action), data).status_code == 403
    assert model.objects.filter(pk=row.pk, **{field: getattr(row, field)}).exists()
    assert_snapshot_matches_rows(frozen_version)


@pytest.mark.parametrize("model", INLINED, ids=lambda m: m.__name__)
def test_admin_inline_on_the_parent_page_is_refused(client, admin_user, frozen_version, model):
    row = frozen_row(model)
    parent = _parent(row)
    client.force_login(admin_user)
    page = client.get(_admin_url(parent, "change")).content.decode()
    assert 'name="_save"' not in page  # read-only: nothing to submit
    assert client.post(_admin_url(parent, "change"), {"title": "Rogue"}).status_code == 403
    assert_snapshot_matches_rows(frozen_version)


@pytest.mark.parametrize("action", ["change", "delete"])
def test_admin_refuses_a_published_change_note(client, admin_user, noted_version, action):
    note = ChangeNote.objects.get(version=noted_version)
    client.force_login(admin_user)
    assert client.post(_admin_url(note, action), {"text": "Rogue", "post": "yes"}).status_code == 403
    assert ChangeNote.objects.get(pk=note.pk).text == "Wording clarified."


def test_the_admin_condition_list_offers_only_draft_items(client, admin_user, editor_draft):
    client.force_login(admin_user)
    response = client.get(reverse("admin:guidance_recommendationcondition_add"))
    choices = response.context["adminform"].form.fields["recommendation"].choices
    offered = {int(str(v)) for v, _ in choices if str(v)}
    assert offered == set(Recommendation.objects.filter(version=editor_draft).values_list("pk", flat=True))


def test_version_create_draft_is_refused_while_one_is_open(editor_draft, content_editor):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="already being prepared"):
        version_create_draft(user=content_editor)


@pytest.mark.parametrize("model", [*CONTENT, ChangeNote], ids=lambda m: m.__name__)
def test_every_content_models_base_manager_is_guarded(model):
    from dahguide.guidance.frozen import ContentManager

    assert isinstance(model._base_manager, ContentManager)


@pytest.mark.parametrize("path", ["save", "create", "bulk_create"])
@pytest.mark.parametrize("model", CONTENT, ids=lambda m: m.__name__)
def test_filling_a_new_draft_opens_no_other_version(frozen_version, model, path):
    from dahguide.guidance.services import guideline_version_create

    row = frozen_row(model)
    other_draft = guideline_version_create(title="Another draft")
    with filling_new_draft(other_draft.pk), pytest.raises(FrozenContentError), transaction.atomic():
        ORM_PATHS[path](row)
    assert_snapshot_matches_rows(frozen_version)


def test_an_import_fills_its_new_draft_without_asking_its_status(guideline_document):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dahguide.guidance.services import guideline_import

    with CaptureQueriesContext(connection) as queries:
        draft = guideline_import(document=guideline_document, publish=False)
    asked = [q["sql"] for q in queries.captured_queries if '"guidance_guidelineversion"."status" IN' in q["sql"]]
    assert asked == []  # the draft was created in this transaction: nobody else can have published it
    assert draft.status == GuidelineVersion.Status.DRAFT


def test_an_import_checks_its_new_drafts_uniqueness_without_a_query_per_row(guideline_document):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dahguide.guidance.services import guideline_import

    with CaptureQueriesContext(connection) as queries:
        guideline_import(document=guideline_document, publish=False)
    lookups = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT 1 AS")]
    assert len(lookups) < 25  # was one per unique constraint of every row, about 1,100


def test_a_clash_inside_the_new_draft_is_still_refused_with_djangos_message(guideline_document):
    import copy

    from django.core.exceptions import ValidationError

    from dahguide.guidance.services import guideline_import

    doc = copy.deepcopy(guideline_document)
    # A second stance for the same action and modifier, under a code of its own: only the
    # (version, recommendation, modifier) constraint can see it.
    doc["stances"].append({**doc["stances"][0], "code": "second_stance"})
    with pytest.raises(ValidationError) as refused:
        guideline_import(document=doc, publish=False)
    assert any(
        "second_stance" in m and "Stance with this Version, Recommendation and Modifier already exists" in m
        for m in refused.value.messages
    )
    assert not GuidelineVersion.objects.exists()


def test_every_row_an_import_writes_has_its_created_history_record(guideline_document):
    from dahguide.guidance.documents import KINDS
    from dahguide.guidance.services import guideline_import

    draft = guideline_import(document=guideline_document, publish=False)
    for kind in KINDS:
        rows = set(kind.model.objects.filter(version=draft).values_list("pk", flat=True))
        created = kind.model.history.filter(history_type="+")
        assert set(created.values_list("id", flat=True)) == rows, kind.key
        assert created.count() == len(rows), kind.key
    conditions = RecommendationCondition.objects.filter(recommendation__version=draft)
    assert set(RecommendationCondition.history.values_list("id", flat=True)) == set(
        conditions.values_list("pk", flat=True)
    )
    texts = draft.guidancetexts.all()
    assert GuidanceText.history.filter(history_type="+").count() == texts.count() > 0
