"""Idempotent demo data for `make run`: safe to run on every start, never in production."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.membership.demo import load_demo_data


class Command(BaseCommand):
    help = "Create demo users, profiles and posts (idempotent). Development only."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--without-debug",
            action="store_true",
            help="Run although DEBUG is off (the demo logins share a published password).",
        )

    def handle(self, *args: object, without_debug: bool = False, **options: object) -> None:
        if not settings.DEBUG and not without_debug:
            raise CommandError(
                "The demo members' password is published in the README: refusing to create "
                "them with DEBUG off. Use --without-debug if this is not a public site."
            )
        for line in load_demo_data():
            self.stdout.write(line)
