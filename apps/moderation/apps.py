from django.apps import AppConfig

MODERATORS = "moderator"
# What the "moderator" group may do: act on reports and suspensions, read the audit log.
MODERATOR_PERMISSIONS = ("moderate", "view_auditentry")


class ModerationConfig(AppConfig):
    name = "apps.moderation"
    verbose_name = "Moderation"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(
            ensure_moderator_group, sender=self, dispatch_uid="moderation_moderator_group"
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
