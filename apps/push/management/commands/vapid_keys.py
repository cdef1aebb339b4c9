"""Make a VAPID key pair for Web Push and print it as the settings take it."""

from django.core.management.base import BaseCommand, CommandError

from apps.push import keys


class Command(BaseCommand):
    help = (
        "Print a new VAPID private key as VAPID_PRIVATE_KEY=... (put it in the environment) "
        "and its public key (what browsers subscribe with). With --show, print the public key "
        "of the key already configured instead."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--show",
            action="store_true",
            help="Print the configured key's public half; make nothing.",
        )

    def handle(self, *args: object, show: bool = False, **options: object) -> None:
        if show:
            try:
                key = keys.private_key()
            except keys.InvalidKey as error:
                raise CommandError(f"VAPID_PRIVATE_KEY cannot be read: {error}") from None
            if key is None:
                raise CommandError("VAPID_PRIVATE_KEY is not set: push is off.")
            self.stdout.write(f"VAPID public key: {keys.raw_public_key(key)}")
            return
        key = keys.generate_private_key()
        self.stdout.write(f"VAPID_PRIVATE_KEY={keys.raw_private_key(key)}")
        self.stdout.write(f"VAPID public key: {keys.raw_public_key(key)}")
        self.stderr.write(
            "Keep the private key secret and the same for as long as the site runs: browsers "
            "subscribed with its public key, and a new key makes every member turn push on again."
        )
