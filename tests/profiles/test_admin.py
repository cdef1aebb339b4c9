"""Staff tools for profiles: text and settings editable, photos only through the pipeline."""

import pytest

from apps.profiles.models import Profile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    return admin


def test_staff_edit_a_profile_text_but_cannot_upload_a_photo_past_the_pipeline(client, staff):
    member = UserFactory()
    url = f"/admin/profiles/profile/{member.profile.pk}/change/"
    assert 'type="file"' not in client.get(url).content.decode()
    response = client.post(url, {"bio": "Fixed by staff", "presence_audience": "everyone",
                                 "language": ""})  # fmt: skip
    assert response.status_code == 302
    assert Profile.objects.get(user=member).bio == "Fixed by staff"


def test_the_user_admin_shows_the_profile_without_writing_it(client, staff):
    member = UserFactory()
    html = client.get(f"/admin/accounts/user/{member.pk}/change/").content.decode()
    assert "profile-0-bio" not in html  # no inline form fields: read-only
    assert 'type="file"' not in html
