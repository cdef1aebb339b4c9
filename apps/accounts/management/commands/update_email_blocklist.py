"""Load a newer list of disposable-mail domains without a new release."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.accounts import services


class Command(BaseCommand):
    help = (
        "Replace the list of disposable-mail domains that signup refuses with the domains in "
        "PATH (one a line, # comments), for example the disposable_email_blocklist.conf of "
        "github.com/disposable-email-domains/disposable-email-domains. --shipped goes back to "
        "the list shipped with the release."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", nargs="?", help="A text file with one domain a line.")
        parser.add_argument(
            "--shipped", action="store_true", help="Forget the loaded list; use the shipped one."
        )

    def handle(self, *args: object, path: str | None = None, shipped: bool = False,
               **options: object) -> None:  # fmt: skip
        if shipped:
            services.use_shipped_disposable_domains()
            self.stdout.write("Using the list shipped with the release.")
            return
        if not path:
            raise CommandError("Give the path of a list, or --shipped.")
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        try:
            count = services.replace_disposable_domains(lines=lines)
        except ValueError as error:
            raise CommandError(f"{path}: {error} Nothing was changed.") from None
        self.stdout.write(f"Loaded {count} disposable-mail domains from {path}.")
