from django.apps import AppConfig

MODERATORS = "moderator"
# What the "moderator" group may do: act on reports and suspensions, read the audit log.
MODERATOR_PERMISSIONS = ("moderate", "view_auditentry")


class ModerationConfig(AppConfig):
    name = "apps.moderation"
    verbose_name = "Moderation"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from apps.social import targets

        from . import notices, signals  # noqa: F401 (signals connects its receivers)
        from .models import Appeal, AuditEntry

        post_migrate.connect(
            ensure_moderator_group, sender=self, dispatch_uid="moderation_moderator_group"
        )
        # A member told of a decision about them reads it, with the reason, and is taken to
        # where they can appeal it (or see how their appeal went).
        targets.register(
            AuditEntry,
            select_related=("post", "comment__post"),
            sentence=lambda entry: f"{notices.decision_text(entry)} {notices.why(entry.reason)}",
            link=notices.appeal_url,
        )
        targets.register(
            Appeal,
            select_related=("entry__post", "entry__comment__post", "decision"),
            sentence=lambda appeal: (
                f"{notices.outcome_text(appeal)} {notices.why(appeal.decision.reason)}"
            ),
            link=lambda appeal: notices.appeal_url(appeal.entry),
        )


def ensure_moderator_group(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    """After every migrate: the "moderator" group exists with its permissions (members are
    put in it in the admin). Django creates the permissions first, in its own receiver."""
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.using(using).get_or_create(name=MODERATORS)
    permissions = Permission.objects.using(using).filter(
        content_type__app_label="moderation", codename__in=MODERATOR_PERMISSIONS
    )
    group.permissions.add(*permissions)
