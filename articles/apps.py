from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_editors_group(sender, **kwargs) -> None:
    from .services import ensure_editors_group

    ensure_editors_group()


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = _("Archive")

    def ready(self) -> None:
        # Permissions exist only after migrate has run, so the group is (re)built then.
        post_migrate.connect(_ensure_editors_group, sender=self)
