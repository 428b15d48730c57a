"""The product's roles (Django groups) and the model permissions each one holds.

One place defines them; data migrations call ``sync_role_permissions`` so a fresh database
and an upgraded one end up with the same groups.
"""

from __future__ import annotations

from collections.abc import Iterable

PHYSICIAN = "physician"
# An attending is a physician who may also sign off cases (separation of duties: never their own).
# The role adds the sign-off only; an attending holds the physician role as well.
ATTENDING = "attending"
RESIDENT = "resident"
CONTENT_EDITOR = "content_editor"
CLINICAL_REVIEWER = "clinical_reviewer"
ROLES = (PHYSICIAN, ATTENDING, RESIDENT, CONTENT_EDITOR, CLINICAL_REVIEWER)
CLINICAL_ROLES = (PHYSICIAN, RESIDENT)
# The groups a user of a role is put in: a role that builds on another includes it.
ROLE_GROUPS: dict[str, tuple[str, ...]] = {ATTENDING: (PHYSICIAN, ATTENDING)}


def role_groups(role: str) -> tuple[str, ...]:
    """The group names a user of ``role`` holds (``("physician", "attending")`` for an attending)."""
    return ROLE_GROUPS.get(role, (role,))


CONTENT_ROLES = (CONTENT_EDITOR, CLINICAL_REVIEWER)

# (app_label, model) -> actions, per role. Models not yet migrated are skipped and picked up by
# the migration that adds them.
ROLE_PERMISSIONS: dict[str, dict[tuple[str, str], tuple[str, ...]]] = {
    PHYSICIAN: {
        ("wizard", "draftassessment"): ("add", "change", "view"),
        # Saved cases: revisions, checklist events, comments and sign-offs are never changed
        # (their models have no change permission at all); services update the case head.
        ("cases", "case"): ("add", "view"),
        ("cases", "caserevision"): ("add", "view"),
        ("cases", "checklistevent"): ("add", "view"),
        ("cases", "reviewcomment"): ("add", "view"),
        ("cases", "signoff"): ("view",),
        # A recommendation marked not followed is never changed (no change permission exists).
        ("feedback", "notfollowed"): ("add", "view"),
    },
    ATTENDING: {
        ("cases", "signoff"): ("add", "view"),
    },
    RESIDENT: {
        ("cases", "case"): ("view",),
        ("cases", "caserevision"): ("view",),
        ("cases", "checklistevent"): ("view",),
        ("cases", "reviewcomment"): ("add", "view"),
        ("cases", "signoff"): ("view",),
        ("feedback", "notfollowed"): ("view",),
    },
    CONTENT_EDITOR: {
        ("guidance", "guidelineversion"): ("add", "change", "view"),
        ("guidance", "citation"): ("add", "change", "delete", "view"),
        ("guidance", "threshold"): ("add", "change", "delete", "view"),
        ("guidance", "recommendation"): ("add", "change", "delete", "view"),
        ("guidance", "recommendationcondition"): ("add", "change", "delete", "view"),
        ("guidance", "monitoringitem"): ("add", "change", "delete", "view"),
        ("guidance", "monitoringcondition"): ("add", "change", "delete", "view"),
        ("guidance", "warningcontent"): ("add", "change", "delete", "view"),
        ("guidance", "warningcondition"): ("add", "change", "delete", "view"),
        ("guidance", "disagreement"): ("add", "change", "delete", "view"),
        ("guidance", "disagreementcondition"): ("add", "change", "delete", "view"),
        ("guidance", "guidancetext"): ("add", "change", "view"),
        ("guidance", "versiontransition"): ("view",),
        ("guidance", "goldencase"): ("add", "change", "delete", "view"),
        ("guidance", "stance"): ("add", "change", "delete", "view"),
        ("guidance", "dose"): ("add", "change", "delete", "view"),
        ("guidance", "changenote"): ("add", "change", "delete", "view"),
    },
    # Reviewers read content and move versions through the workflow (services check the role);
    # they do not edit content, so the two-person rule can hold.
    CLINICAL_REVIEWER: {
        ("guidance", "guidelineversion"): ("view",),
        ("guidance", "versiontransition"): ("view",),
        ("guidance", "goldencase"): ("view",),
        ("guidance", "recommendationcondition"): ("view",),
        ("guidance", "monitoringcondition"): ("view",),
        ("guidance", "warningcondition"): ("view",),
        ("guidance", "disagreementcondition"): ("view",),
        ("guidance", "citation"): ("view",),
        ("guidance", "threshold"): ("view",),
        ("guidance", "recommendation"): ("view",),
        ("guidance", "monitoringitem"): ("view",),
        ("guidance", "warningcontent"): ("view",),
        ("guidance", "disagreement"): ("view",),
        ("guidance", "guidancetext"): ("view",),
        ("guidance", "stance"): ("view",),
        ("guidance", "dose"): ("view",),
        ("guidance", "changenote"): ("view",),
    },
}


def sync_role_permissions(group_model, permission_model, *, roles: Iterable[str] = ROLES) -> None:
    """Create the groups and give each exactly the permissions listed above that exist."""
    for role in roles:
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = ROLE_PERMISSIONS.get(role, {})
        perms = []
        for (app_label, model), actions in wanted.items():
            codenames = [f"{action}_{model}" for action in actions]
            perms.extend(permission_model.objects.filter(content_type__app_label=app_label, codename__in=codenames))
        group.permissions.set(perms)


def migrate_roles(apps, schema_editor) -> None:
    """Data-migration step: create every model permission now, then (re)sync the role groups.

    Django creates permissions only after all migrations ran; a migration that adds models and
    then wants groups to hold their permissions must create them itself. Each migration that
    adds models a role needs depends on its app's migration and calls this again.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    sync_role_permissions(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


# Where a user object keeps its role names for the request it serves: set by
# accounts.backends.UserAndRolesBackend with the user, else by the first ``has_role``.
ROLE_NAMES_ATTRIBUTE = "_role_names"


def has_role(user, *roles: str) -> bool:
    """True when the user is active and in one of ``roles`` (superusers hold every role)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    names = getattr(user, ROLE_NAMES_ATTRIBUTE, None)
    if names is None:
        names = frozenset(user.groups.values_list("name", flat=True))
        setattr(user, ROLE_NAMES_ATTRIBUTE, names)  # cached per request: one query, not one per check
    return bool(names.intersection(roles))
