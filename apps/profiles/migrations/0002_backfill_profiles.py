"""Give every pre-existing user a Profile (users created before profiles existed)."""

from django.db import migrations


def backfill(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Profile = apps.get_model("profiles", "Profile")
    missing = User.objects.filter(profile__isnull=True).only("pk", "date_joined")
    Profile.objects.bulk_create(
        [Profile(user_id=user.pk, created=user.date_joined) for user in missing.iterator()],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [("profiles", "0001_initial"), ("accounts", "0001_initial")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
