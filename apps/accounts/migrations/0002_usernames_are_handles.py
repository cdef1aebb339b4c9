"""Usernames become handles: NFKC, ASCII letters, digits and underscores, 3 to 30 characters.

A name that already fits stays exactly as it is (reserved names included: an operator's
existing "admin" login keeps working; new ones are refused). Any other name is normalised
(NFKC, accents dropped, other characters turned into "_"); if that is still not usable (too
short, or taken by another account whatever the case), the member gets "<name>_<id>" or
"member_<id>". Nothing else about the account changes; the member can pick a new name in
Settings. Not reversible to the old names, and it need not be: the new ones were valid before.
"""

import re
import unicodedata

from django.db import migrations, models

import apps.accounts.models
import apps.accounts.usernames

HANDLE = re.compile(r"[A-Za-z0-9_]{3,30}")
RESERVED = {
    "admin",
    "accounts",
    "settings",
    "static",
    "media",
    "api",
    "u",
    "tags",
    "posts",
    "healthz",
    "readyz",
    "root",
    "staff",
    "support",
    "eternity",
    "me",
    "new",
}  # fmt: skip  (frozen here: a migration must not change when settings do)


def _candidate(name: str) -> str:
    name = unicodedata.normalize("NFKC", name).strip()
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9_]", "_", ascii_name)).strip("_")[:30]


def normalise_usernames(apps, schema_editor) -> None:
    User = apps.get_model("accounts", "User")
    rows = list(User.objects.order_by("date_joined", "pk").values_list("pk", "username"))
    taken = {name.casefold() for _pk, name in rows if HANDLE.fullmatch(name)}
    renames: list[tuple[int, str]] = []
    for pk, username in rows:
        if HANDLE.fullmatch(username):
            continue
        new = _candidate(username)
        if not HANDLE.fullmatch(new) or new.casefold() in taken | RESERVED:
            new = f"{new[:20] or 'member'}_{pk}"
            suffix = 0
            while not HANDLE.fullmatch(new) or new.casefold() in taken:
                suffix += 1
                new = f"member_{pk}" if suffix == 1 else f"member_{pk}_{suffix}"
        taken.add(new.casefold())
        renames.append((pk, new))
    # Move every old name out of the way first: a rename may take a name another row gives up.
    for pk, _new in renames:
        User.objects.filter(pk=pk).update(username=f"\x01renaming-{pk}")
    for pk, new in renames:
        User.objects.filter(pk=pk).update(username=new)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(normalise_usernames, migrations.RunPython.noop, elidable=False),
        migrations.AlterModelManagers(
            name="user",
            managers=[
                ("objects", apps.accounts.models.Members()),
            ],
        ),
        migrations.AlterField(
            model_name="user",
            name="username",
            field=models.CharField(
                error_messages={"unique": "A user with that username already exists."},
                help_text="3 to 30 characters: English letters, digits and underscores (_).",
                max_length=150,
                unique=True,
                validators=[apps.accounts.usernames.UsernameValidator()],
                verbose_name="username",
            ),
        ),
    ]
