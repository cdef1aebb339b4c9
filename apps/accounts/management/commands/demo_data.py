"""Idempotent demo data for `make run`: safe to run on every start."""

from django.core.management.base import BaseCommand

from apps.accounts.demo import load_demo_data


class Command(BaseCommand):
    help = "Create demo users, profiles and posts (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        for line in load_demo_data():
            self.stdout.write(line)
