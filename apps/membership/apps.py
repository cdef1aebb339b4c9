from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "apps.membership"
    verbose_name = "Membership"
