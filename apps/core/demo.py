"""Demo content for local development (`make run`). Every step is idempotent."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction

DEMO_PASSWORD = "eternity-demo"  # noqa: S105 (documented demo login, local only)
DEMO_USERS = [
    ("alice", "Alice", "Liddell", "Curious about everything.\nWriting about books and tea."),
    ("boris", "Boris", "Pasternak", "Poems, gardens, long walks."),
    ("chloe", "Chloe", "Moreau", "Photographer. Mostly film, sometimes pixels."),
]


@transaction.atomic
def load_demo_data() -> list[str]:
    User = get_user_model()
    lines = []
    for username, first, last, bio in DEMO_USERS:
        email = f"{username}@example.com"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                username, email, DEMO_PASSWORD, first_name=first, last_name=last
            )
            user.profile.bio = bio
            user.profile.save(update_fields=["bio"])
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        lines.append(f"Demo login: {username} or {email} / {DEMO_PASSWORD}")
    return lines
