"""The member's language moves onto the User: it was kept on the Profile (the footer's
switcher) and copied into the notification digest. The Profile's choice wins; a member who
only switched the digest on keeps the language it spoke."""

from django.db import migrations, models


def copy_languages(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Profile = apps.get_model("profiles", "Profile")
    Digest = apps.get_model("social", "Digest")
    chosen = dict(Digest.objects.exclude(language="").values_list("user_id", "language"))
    chosen |= dict(Profile.objects.exclude(language="").values_list("user_id", "language"))
    for language in set(chosen.values()):
        members = [user_id for user_id, chosen_one in chosen.items() if chosen_one == language]
        User.objects.filter(pk__in=members).update(language=language)


def copy_back(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Profile = apps.get_model("profiles", "Profile")
    for user_id, language in User.objects.exclude(language="").values_list("pk", "language"):
        Profile.objects.filter(user_id=user_id).update(language=language)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_usernames_are_handles"),
        ("profiles", "0004_profile_theme"),
        ("social", "0002_digest"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="language",
            field=models.CharField(
                blank=True,
                choices=[("en", "English"), ("ru", "Русский")],
                help_text="Empty: follow the browser.",
                max_length=10,
                verbose_name="language",
            ),
        ),
        migrations.RunPython(copy_languages, copy_back, elidable=True),
    ]
