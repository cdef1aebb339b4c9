"""Usernames are handles: NFKC first, one alphabet, reserved names and case-insensitive
uniqueness checked on the normalised form, on every path that can set one."""

import importlib
import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from apps.accounts.adapters import AccountAdapter
from tests.factories import PASSWORD, UserFactory
from tests.proof_of_work import signup_data

pytestmark = pytest.mark.django_db
User = get_user_model()

FULLWIDTH_ADMIN = "\uff41\uff44\uff4d\uff49\uff4e"
FULLWIDTH_ALICE = "\uff41\uff4c\uff49\uff43\uff45"
FULLWIDTH_BOB = "\uff42\uff4f\uff42"


def signup(username: str):
    client = Client()
    return client.post("/accounts/signup/", signup_data(client, username=username))


def test_signup_stores_the_normalised_name(user):
    assert signup(FULLWIDTH_BOB).status_code == 302
    assert User.objects.filter(username="bob").exists()


@pytest.mark.parametrize("name", [FULLWIDTH_ADMIN, "Admin", "SUPPORT", FULLWIDTH_ALICE, "ALICE"])
def test_signup_refuses_variants_of_reserved_and_existing_names(user, name):
    assert signup(name).status_code == 200
    assert User.objects.count() == 1


@pytest.mark.parametrize("name", ["\u0430lice", "иван", "a.b", "a-b", "a+b", "me@x", "x" * 31])
def test_signup_refuses_names_outside_the_alphabet(name):
    response = signup(name)
    assert "English letters, digits and underscores" in response.content.decode()
    assert not User.objects.exists()


def test_signup_refuses_a_name_too_short():
    assert "at least 3 characters" in signup("ab").content.decode()
    assert not User.objects.exists()


def test_the_settings_page_refuses_look_alikes_too(user):
    client = Client()
    client.force_login(user)
    UserFactory(username="bob")
    for name in (FULLWIDTH_ADMIN, FULLWIDTH_BOB, "BOB"):
        page = client.get("/settings/profile/").content.decode()
        token = page.split('name="username-token" value="')[1].split('"')[0]
        response = client.post("/settings/profile/username/",
                               {"username-username": name, "username-token": token})  # fmt: skip
        assert response.status_code == 200, name
        assert User.objects.get(pk=user.pk).username == "alice"


def test_a_fullwidth_address_finds_the_profile_at_its_real_address(user):
    response = Client().get(f"/u/{FULLWIDTH_ALICE}/")
    assert response.status_code == 301
    assert response["Location"] == "/u/alice/"


def test_social_signup_makes_a_valid_handle_from_any_name():
    adapter = AccountAdapter()
    for texts in (["Jo.hn+Smith-Jr"], [FULLWIDTH_ADMIN, "admin"], ["Иван Петров"], ["x" * 80]):
        name = adapter.generate_unique_username(texts)
        User.username_validator(name)  # raises if invalid or reserved
        assert name.lower() != "admin"


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True, username="operator"))
    return client


@pytest.mark.parametrize("name", [FULLWIDTH_ADMIN, "Staff", FULLWIDTH_ALICE, "ALICE", "иван"])
def test_the_admin_refuses_them_when_adding(staff_client, user, name):
    response = staff_client.post("/admin/accounts/user/add/", {
        "username": name, "password1": PASSWORD, "password2": PASSWORD, "usable_password": "true",
    })  # fmt: skip
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    assert User.objects.count() == 2


def test_the_admin_refuses_them_when_renaming(staff_client, user):
    bob = UserFactory(username="bob")
    url = f"/admin/accounts/user/{bob.pk}/change/"
    for name in (FULLWIDTH_ALICE, "Alice", FULLWIDTH_ADMIN):
        response = staff_client.post(url, {
            "username": name, "email": bob.email, "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00", "is_active": "on",
        })  # fmt: skip
        assert response.status_code == 200, name
        assert User.objects.get(pk=bob.pk).username == "bob"


@pytest.mark.parametrize(
    ("name", "message"),
    [(FULLWIDTH_ADMIN, "reserved"), (FULLWIDTH_ALICE, "already taken"), ("ALICE", "already taken")],
)
def test_createsuperuser_refuses_them(user, monkeypatch, name, message):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    with pytest.raises(CommandError, match=message):
        call_command("createsuperuser", "--noinput", username=name, email="x@example.com",
                     verbosity=0)  # fmt: skip
    assert User.objects.count() == 1


def test_createsuperuser_stores_the_normalised_name(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", "--noinput", username="\uff4f\uff50\uff53\uff11",
                 email="x@example.com", verbosity=0)  # fmt: skip
    assert User.objects.filter(username="ops1", is_superuser=True).exists()


def test_login_by_username_accepts_any_case_and_form(user):
    for login in ("ALICE", FULLWIDTH_ALICE):
        client = Client()
        client.post("/accounts/login/", {"login": login, "password": PASSWORD})
        assert client.session.get("_auth_user_id") == str(user.pk), login


def test_existing_names_are_migrated_safely():
    migration = importlib.import_module("apps.accounts.migrations.0002_usernames_are_handles")
    rows = {
        "alice": "alice",  # valid: unchanged
        "admin": "admin",  # reserved but existing: the operator's login keeps working
        FULLWIDTH_BOB: "bob",  # normalised
        "José.María": "Jose_Maria",  # accents dropped, "." becomes "_"
        "ALICE\u200b": None,  # normalises to a name taken by an older account: suffixed
        "иван": None,  # nothing usable: member_<id>
        "a.b": None,  # too short once cleaned: suffixed
    }
    created = {}
    for old in rows:
        member = UserFactory()
        User.objects.filter(pk=member.pk).update(username=old)  # as an older release stored it
        created[old] = member.pk
    migration.normalise_usernames(apps, None)
    names = dict(User.objects.values_list("pk", "username"))
    for old, expected in rows.items():
        new = names[created[old]]
        assert expected is None or new == expected, (old, new)
        assert re.fullmatch(r"[A-Za-z0-9_]{3,30}", new), (old, new)
    assert names[created["иван"]] == f"member_{created['иван']}"
    assert names[created["ALICE\u200b"]] == f"ALICE_{created['ALICE\u200b']}"
    assert len({n.lower() for n in names.values()}) == len(names)


def test_a_username_is_stored_normalised_whatever_path_set_it():
    assert UserFactory(username=FULLWIDTH_BOB).username == "bob"
    assert User.objects.filter(username="bob").exists()


def test_a_generated_handle_never_carries_an_email_domain():
    name = AccountAdapter().generate_unique_username(["john.doe@gmail.com"])
    assert "gmail" not in name


def test_the_migration_steps_around_a_taken_fallback_name():
    migration = importlib.import_module("apps.accounts.migrations.0002_usernames_are_handles")
    ivan = UserFactory()
    User.objects.filter(pk=ivan.pk).update(username="иван")
    UserFactory(username=f"member_{ivan.pk}")
    migration.normalise_usernames(apps, None)
    assert User.objects.get(pk=ivan.pk).username == f"member_{ivan.pk}_2"


# --- Reserved handles: the shipped list ------------------------------------------------------

STAFF_LIKE = [
    "moderator", "administrator", "security", "official", "noreply", "no_reply", "support",
    "postmaster", "mailer_daemon", "webmaster", "Helpdesk", "admin_1", "eternity_support",
    "moderator_anna", "the_moderators", "TheModerators", "OfficialEternity", "m0derator",
    "r00t", "a_d_m_i_n", "mods", "theadministrator", "moderatoranna", "podderzhka",
    "Podderzhka_24", "sluzhba_bezopasnosti", "oficialnyj", "komanda_eternity", "pomosch",
]  # fmt: skip
INNOCENT = [
    "badminton", "modesty", "modern_art", "flagstaff", "steamboat", "insecurity", "helpful",
    "supporter", "rooted", "systematic", "administrative_law_fan", "trusty", "komandor",
]  # fmt: skip


@pytest.mark.parametrize("name", STAFF_LIKE)
def test_signup_refuses_staff_like_handles(name):
    response = signup(name)
    assert "This username is reserved. Please choose another." in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.parametrize("name", INNOCENT)
def test_signup_accepts_handles_that_merely_contain_a_staff_word(name):
    assert signup(name).status_code == 302
    assert User.objects.filter(username=name).exists()


def test_the_operators_own_reserved_names_still_count(settings):
    settings.ACCOUNT_USERNAME_BLACKLIST = [*settings.ACCOUNT_USERNAME_BLACKLIST, "ourboss"]
    assert "reserved" in signup("OurBoss").content.decode()
    assert not User.objects.exists()


def test_the_settings_page_refuses_a_staff_like_handle(user):
    client = Client()
    client.force_login(user)
    page = client.get("/settings/profile/").content.decode()
    token = page.split('name="username-token" value="')[1].split('"')[0]
    data = {"username-username": "Support_Team", "username-token": token}
    response = client.post("/settings/profile/username/", data)
    assert "This username is reserved." in response.content.decode()
    assert User.objects.get(pk=user.pk).username == "alice"


def test_the_admin_refuses_a_staff_like_handle(staff_client):
    response = staff_client.post("/admin/accounts/user/add/", {
        "username": "moderator_anna", "password1": PASSWORD, "password2": PASSWORD,
        "usable_password": "true",
    })  # fmt: skip
    assert "This username is reserved." in response.content.decode()
    assert not User.objects.filter(username="moderator_anna").exists()


def test_a_member_who_already_holds_a_now_reserved_handle_keeps_it():
    member = UserFactory(username="moderator_anna")  # made before the list grew
    client = Client()
    assert client.post("/accounts/login/", {"login": "moderator_anna", "password": PASSWORD})
    assert client.session.get("_auth_user_id") == str(member.pk)
    assert client.get("/u/moderator_anna/").status_code == 200


@pytest.mark.parametrize(
    "texts", [["Support", "", "support@example.org", "support"], ["Moderator", "Team", None]]
)
def test_a_generated_handle_is_never_reserved(texts):
    name = AccountAdapter().generate_unique_username([*texts, "user"])
    User.username_validator(name)  # raises if reserved
    assert "support" not in name.lower()
    assert "moderator" not in name.lower()


def _first_segments(patterns, prefix: str = "") -> set[str]:
    """The first path segment of every URL the URLconf can answer."""
    segments = set()
    for pattern in patterns:
        route = prefix + str(pattern.pattern).lstrip("^")
        if hasattr(pattern, "url_patterns") and not route.strip("/"):
            segments |= _first_segments(pattern.url_patterns, route)
            continue
        first = re.split(r"[/<(\\$?]", route, maxsplit=1)[0]
        if first:
            segments.add(first)
    return segments


def test_every_first_url_segment_that_could_be_a_handle_is_reserved():
    """A new top-level route must be added to apps/accounts/reserved_usernames.txt, or a
    member could take its name."""
    from django.urls import get_resolver

    from apps.accounts.usernames import is_reserved

    segments = _first_segments(get_resolver().url_patterns)
    assert {"posts", "u", "settings", "accounts", "moderation"} <= segments
    handles = {segment for segment in segments if re.fullmatch(r"[A-Za-z0-9_]+", segment)}
    assert [segment for segment in sorted(handles) if not is_reserved(segment)] == []


def test_the_admin_saves_other_fields_of_a_member_with_a_now_reserved_handle(staff_client):
    member = UserFactory(username="team_rocket")  # made before the list grew
    response = staff_client.post(f"/admin/accounts/user/{member.pk}/change/", {
        "username": "team_rocket", "email": member.email, "first_name": "Jessie",
        "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00", "is_active": "on",
        "profile-TOTAL_FORMS": "1", "profile-INITIAL_FORMS": "1",
    })  # fmt: skip
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.username, member.first_name) == ("team_rocket", "Jessie")
