"""Mail printed by the development server can be read, and its links followed, as printed."""

import re

import pytest

from tests.proof_of_work import signup_data

pytestmark = pytest.mark.django_db


def test_the_printed_verification_link_works_as_printed(client, settings, capsys):
    settings.MAILERS = {"default": {"BACKEND": "apps.core.jobs.mail.ReadableConsoleBackend"}}
    client.post("/accounts/signup/", signup_data(client))
    printed = capsys.readouterr().out
    assert "To: newbie@example.com" in printed
    assert "=\n" not in printed  # no quoted-printable soft line breaks
    link = re.search(r"https?://testserver(/accounts/confirm-email/\S+)", printed).group(1)
    assert len(link) > 76  # longer than a quoted-printable line: it would have been broken
    assert client.post(link).status_code == 302
    assert client.get("/settings/account/").status_code == 200  # confirmed and logged in
