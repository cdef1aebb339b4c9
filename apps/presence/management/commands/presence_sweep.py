"""Clear is_online for users silent longer than PRESENCE_TTL. Schedule it every few minutes
(cron, the compose `sweeper` service, Heroku Scheduler); see README "Presence"."""

from django.core.management.base import BaseCommand

from apps.presence.services import sweep


class Command(BaseCommand):
    help = "Mark users offline whose last activity is older than PRESENCE_TTL."

    def handle(self, *args: object, **options: object) -> None:
        count = sweep()
        self.stdout.write(f"Marked {count} user(s) offline.")
