"""The editors' group and its permissions."""
from __future__ import annotations

from django.contrib.auth.models import Group, Permission

EDITORS_GROUP = "editors"


def ensure_editors_group() -> Group:
    """The editors may correct articles, credits, sections and pages, and view issues; they merge
    and split articles, merge contributors and sections (nothing is lost: the history keeps every
    step), and delete nothing but credits."""
    group, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    wanted = {
        ("articles", "article"): ["view", "change", "merge"],
        ("articles", "articlecontributor"): ["view", "add", "change", "delete"],
        ("articles", "contributor"): ["view", "add", "change", "merge"],
        ("articles", "section"): ["view", "add", "change", "merge"],
        ("articles", "pageedit"): ["view"],
        ("articles", "issue"): ["view", "change"],
        ("articles", "page"): ["view", "change"],
        ("articles", "newspaper"): ["view"],
    }
    perms = []
    for (app, model), actions in wanted.items():
        codenames = [f"{action}_{model}" for action in actions]
        perms.extend(Permission.objects.filter(content_type__app_label=app, codename__in=codenames))
    group.permissions.set(perms)
    return group
