"""The page's frame (head, bar, footer) is rendered once per language, theme and kind of
visitor, then kept (templates/base.html, partials/navbar.html, partials/preferences.html):
on the same pages, each member, a moderator and a visitor still get their own, in either
language and theme, with forms that work for them."""

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from apps.social import services as social
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = ["/", "/tags/tea/", "/search/?q=tea"]
LOGIN, LOGOUT = 'href="/accounts/login/"', 'action="/accounts/logout/"'
MODERATION = 'href="/moderation/"'
# What each one's bar shows, and what it must not.
BARS = {
    "ann": (["Ann Archer", 'href="/u/ann/"', "data-unread-count>1<", LOGOUT],
            ["Bea Baker", MODERATION, LOGIN]),
    "bea": (["Bea Baker", 'href="/u/bea/"', MODERATION, LOGOUT],
            ["Ann Archer", "data-unread-count", LOGIN]),
    "guest": ([LOGIN], ["Ann Archer", "Bea Baker", MODERATION, LOGOUT, "data-unread-count"]),
}  # fmt: skip


def bar(html: str) -> str:
    return html[html.index("<header>") : html.index("</header>")]


def token(html: str, action: str) -> str:
    """The CSRF token of the form that posts to `action`."""
    form = re.search(rf'<form[^>]*action="{action}".*?</form>', html, re.S).group(0)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)


def choose(client: Client, *, language: str, theme: str) -> None:
    """Pick the language and the theme with the footer's switchers, as a person does."""
    for field, value, action in [("language", language, "/language/"),
                                 ("theme", theme, "/theme/")]:  # fmt: skip
        page = client.get("/").content.decode()
        response = client.post(action, {field: value, "next": "/",
                                        "csrfmiddlewaretoken": token(page, action)})  # fmt: skip
        assert response.status_code == 302


@pytest.fixture
def people() -> dict[str, Client]:
    ann = UserFactory(username="ann", first_name="Ann", last_name="Archer")
    bea = UserFactory(username="bea", first_name="Bea", last_name="Baker")
    bea.groups.add(Group.objects.get(name="moderator"))
    social.follow(follower=bea, followee=ann)  # a notification for Ann only
    clients = {name: Client(enforce_csrf_checks=True) for name in ("ann", "bea", "guest")}
    clients["ann"].force_login(ann)
    clients["bea"].force_login(bea)
    return clients


@pytest.mark.parametrize(("language", "theme"), [("en", "dark"), ("ru", "light")])
def test_each_member_and_a_visitor_get_their_own_frame_on_the_same_pages(people, language, theme):
    for client in people.values():
        choose(client, language=language, theme=theme)
    for _ in range(2):  # the second time, every frame comes from what was kept
        for path in PAGES:
            seen = {name: client.get(path).content.decode() for name, client in people.items()}
            for html in seen.values():
                assert f'<html lang="{language}" data-bs-theme="{theme}">' in html
                assert re.search(rf'<option value="{theme}"\s+selected>', html)
                assert re.search(rf'<option value="{language}"\s+lang="\w+"\s+selected', html)
                assert re.search(rf'name="next"\s+value="{re.escape(path)}"', html)
                assert ('id="navbar-search-q"' in bar(html)) == (path != "/search/?q=tea")
            for name, (shown, hidden) in BARS.items():
                for text in shown:
                    assert text in bar(seen[name]), (name, text)
                for text in hidden:
                    assert text not in bar(seen[name]), (name, text)


def test_the_kept_menu_logs_out_the_member_who_sees_it(people):
    """Its CSRF token is this member's, of this request: the form works."""
    for name in ("ann", "bea"):
        people[name].get("/")
    page = people["ann"].get("/").content.decode()
    response = people["ann"].post(
        "/accounts/logout/", {"csrfmiddlewaretoken": token(page, "/accounts/logout/")}
    )
    assert response.status_code == 302
    assert LOGIN in bar(people["ann"].get("/").content.decode())
    assert "Bea Baker" in bar(people["bea"].get("/").content.decode())


def test_the_account_page_has_switchers_of_its_own_beside_the_footers(people):
    html = people["ann"].get("/settings/account/").content.decode()
    for control in ("language", "theme", "account-language", "account-theme"):
        assert html.count(f'id="{control}"') == 1
        assert f'for="{control}"' in html
