from django.db import migrations, models


def hidden_to_nobody(apps, schema_editor):
    """Members who hid their status from everyone keep hiding it: their audience is nobody."""
    Profile = apps.get_model("profiles", "Profile")
    Profile.objects.filter(show_online_status=False).update(presence_audience="nobody")


def nobody_to_hidden(apps, schema_editor):
    Profile = apps.get_model("profiles", "Profile")
    Profile.objects.exclude(presence_audience="everyone").update(show_online_status=False)


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0006_first_steps_dismissed"),
    ]

    operations = [
        migrations.AddField(
            model_name="profile",
            name="presence_audience",
            field=models.CharField(
                choices=[
                    ("everyone", "Everyone"),
                    ("following", "People I follow"),
                    ("mutuals", "People I follow who follow me"),
                    ("nobody", "Nobody"),
                ],
                default="everyone",
                max_length=9,
                verbose_name="who sees my online status",
            ),
        ),
        migrations.RunPython(hidden_to_nobody, nobody_to_hidden, elidable=True),
        migrations.RemoveField(
            model_name="profile",
            name="show_online_status",
        ),
        migrations.AddField(
            model_name="profile",
            name="offline_since",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="profile",
            name="offline_until",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]
