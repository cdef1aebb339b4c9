"""The "Who sees when you are online" choice: a described fieldset inline (htmx) and on
/settings/profile/ without JavaScript; a save changes the rule, a wrong value changes nothing."""

import re

import pytest
from django.contrib.auth import get_user_model

from apps.profiles import services
from apps.profiles.models import Profile

pytestmark = pytest.mark.django_db
User = get_user_model()
HTMX = {"HX-Request": "true", "HX-Current-URL": "http://testserver/u/alice/"}
MEANINGS = {
    "everyone": "Everyone, signed in or not, sees when you are online",
    "following": "Only members you follow see it",
    "mutuals": "Only members you follow who also follow you see it",
    "nobody": "Nobody sees it",
}


@pytest.fixture
def owner(client, user):
    client.force_login(user)
    client.get("/pow/challenge/")  # the once-a-minute presence touch happens here, not in the test
    return user


def details(user, audience: str) -> dict[str, str]:
    user = User.objects.get(pk=user.pk)
    return {
        "details-first_name": "Alice",
        "details-last_name": "Liddell",
        "details-bio": "",
        "details-presence_audience": audience,
        "details-token": services.section_token("details", user, Profile.objects.get(user=user)),
    }


def audience_fieldset(html: str) -> str:
    found = re.search(r'<fieldset[^>]*id="id_details-presence_audience".*?</fieldset>', html, re.S)
    assert found, html
    return found.group(0)


def assert_described_choices(fieldset: str, checked: str) -> None:
    assert re.search(r"<legend[^>]*>Who sees when you are online</legend>", fieldset)
    assert 'aria-describedby="id_details-presence_audience_helptext"' in fieldset
    assert "“recently” (within the last three days)" in fieldset
    assert "“this week” (within seven days) or “long ago”" in fieldset
    radios = re.findall(r"<input[^>]*>", fieldset)
    assert [re.search(r'value="(\w+)"', r).group(1) for r in radios] == list(MEANINGS)
    for index, (value, meaning) in enumerate(MEANINGS.items()):
        radio = f"id_details-presence_audience_{index}"
        assert f'<label class="form-check-label" for="{radio}">' in fieldset
        assert f'aria-describedby="{radio}_means"' in radios[index]
        assert re.search(rf'id="{radio}_means"[^>]*>{re.escape(meaning)}', fieldset), value
        assert ("checked" in radios[index]) == (value == checked)


def test_the_settings_page_without_javascript_describes_each_audience_in_a_fieldset(
    client, owner, django_assert_max_num_queries
):
    Profile.objects.filter(user=owner).update(presence_audience="mutuals")
    with django_assert_max_num_queries(12):
        response = client.get("/settings/profile/")
    assert response.status_code == 200
    assert_described_choices(audience_fieldset(response.content.decode()), checked="mutuals")


def test_the_inline_form_describes_the_same_choices(client, owner, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client.get("/settings/profile/details/", headers=HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert_described_choices(audience_fieldset(html), checked="everyone")


@pytest.mark.parametrize("audience", ["following", "mutuals", "nobody", "everyone"])
def test_choosing_an_audience_saves_it_and_the_profile_tells_its_owner(client, owner, audience):
    response = client.post("/settings/profile/details/", details(owner, audience), headers=HTMX)
    assert response.status_code == 200
    assert Profile.objects.get(user=owner).presence_audience == audience
    label = dict(Profile._meta.get_field("presence_audience").choices)[audience]
    page = client.get("/u/alice/").content.decode()
    assert f"Who sees when you are online: {label}." in page


def test_a_visitor_is_not_told_whom_a_member_shows_their_status_to(client, owner):
    Profile.objects.filter(user=owner).update(presence_audience="mutuals")
    client.logout()
    page = client.get("/u/alice/").content.decode()
    assert "Who sees when you are online" not in page
    assert "People I follow who follow me" not in page


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "no-javascript"])
@pytest.mark.parametrize("wrong", ["friends", "", "EVERYONE", "nobody' OR 1=1"])
def test_an_unknown_audience_is_a_form_error_and_saves_nothing(client, owner, headers, wrong):
    Profile.objects.filter(user=owner).update(presence_audience="following", bio="Kept")
    data = details(owner, wrong) | {"details-bio": "Changed"}
    response = client.post("/settings/profile/details/", data, headers=headers)
    assert response.status_code in (200, 422)
    fieldset = audience_fieldset(response.content.decode())
    assert 'id="id_details-presence_audience_errors"' in fieldset
    assert "Select a valid choice" in fieldset or "This field is required" in fieldset
    assert 'aria-describedby="id_details-presence_audience_errors' in fieldset
    profile = Profile.objects.get(user=owner)
    assert (profile.presence_audience, profile.bio) == ("following", "Kept")
