"""A scripted fuzz of every form and query parameter: nothing a user can type is a 500."""

import pytest
from django.test import Client

from apps.profiles import services as profile_services
from apps.profiles.models import Profile
from tests.factories import CommentFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db

NASTY = [
    "",
    " ",
    "x" * 100_000,
    "\x00",
    "a\x00b",
    "\x01\x02\x1b[31m\x7f",
    "\r\n\r\n",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }} {% debug %}",
    "\U0001d518\U0001d52b\U0001d526 🎉 עברית العربية",
    "\u202e\u200b\ufeff",
    "99999999999999999999999999999",
    "-1",
    "1e309",
    "../../etc/passwd",
    "%00%0d%0a",
    "İstanbul",
]


def form_endpoints(user, post, comment) -> dict[str, list[str]]:
    return {
        "/accounts/signup/": ["email", "username", "password1", "password2", "website",
                              "altcha"],
        "/accounts/login/": ["login", "password"],
        "/accounts/password/reset/": ["email"],
        "/settings/profile/details/": ["details-first_name", "details-last_name", "details-bio",
                                       "details-token", "details-presence_audience"],
        "/settings/profile/username/": ["username-username", "username-token"],
        "/settings/profile/email/": ["email-email", "email-password"],
        "/settings/profile/photo/": ["photo-token", "photo-remove"],
        "/settings/profile/": ["details-first_name", "username-username", "details-token"],
        "/posts/new/": ["title", "text", "tags"],
        f"/posts/{post.pk}/edit/": ["title", "text", "tags", "remove_image"],
        f"/posts/{post.pk}/comments/": ["text", "parent"],
        f"/comments/{comment.pk}/edit/": ["text"],
        f"/posts/{post.pk}/like/": ["liked", "next"],
        "/settings/account/delete/": ["password", "confirm"],
        "/settings/invitations/": ["days", "uses"],
    }  # fmt: skip


@pytest.fixture
def setup(settings):
    # The fuzz is many requests; limits are tested apart.
    settings.ACCOUNT_RATE_LIMITS = False
    settings.RATE_LIMITS = {}
    user = UserFactory(username="fuzzer")
    post = PostFactory(author=user)
    comment = CommentFactory(post=post, author=user)
    return user, post, comment


@pytest.mark.parametrize("logged_in", [True, False])
def test_no_form_field_value_gives_a_500(setup, logged_in):
    user, post, comment = setup
    client = Client(raise_request_exception=False)
    if logged_in:
        client.force_login(user)
    failures = []
    for url, fields in form_endpoints(user, post, comment).items():
        for value in NASTY:
            data = dict.fromkeys(fields, value)
            for headers in ({}, {"HX-Request": "true"}):
                response = client.post(url, data, headers=headers)
                if response.status_code >= 500:
                    failures.append((url, value[:20], headers, response.status_code))
        if url == "/settings/account/delete/" and logged_in:
            assert user.__class__.objects.filter(pk=user.pk).exists()
    assert failures == []


def test_no_query_parameter_or_path_gives_a_500(setup):
    user, post, _ = setup
    client = Client(raise_request_exception=False)
    client.force_login(user)
    failures = []
    for value in NASTY:
        for url, params, headers in [
            ("/", {"after": value}, {}),
            ("/", {"tag": value}, {}),
            ("/", {"after": value}, {"HX-Request": "true"}),
            (f"/posts/{post.pk}/", {"reply": value}, {}),
            ("/presence/", {"u": [value, "fuzzer"]}, {"HX-Request": "true"}),
            (f"/u/{user.username}/", {"after": value}, {}),
            ("/accounts/login/", {"next": value}, {}),
        ]:
            response = client.get(url, params, headers=headers)
            if response.status_code >= 500:
                failures.append((url, params, response.status_code))
        for path in (f"/u/{value[:200]}/", f"/tags/{value[:200]}/"):
            response = client.get(path)
            if response.status_code >= 500:
                failures.append((path, response.status_code))
    assert failures == []


def test_the_profile_is_unchanged_after_the_fuzz(setup):
    user, _, _ = setup
    profile = Profile.objects.get(user=user)
    before = profile_services.section_token("details", user, profile)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    for value in NASTY:
        client.post("/settings/profile/details/", {"details-first_name": value,
                                                   "details-token": "forged"})  # fmt: skip
    user.refresh_from_db()
    assert profile_services.section_token("details", user, Profile.objects.get(user=user)) == before
