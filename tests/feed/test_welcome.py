"""The visitors' "about this community" panel on the feed, and the bar's way in."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db


def panel(html: str) -> str:
    found = re.search(r'<section class="[^"]*welcome-panel".*?</section>', html, re.S)
    return found.group(0) if found else ""


def test_a_visitor_is_told_what_the_site_is_how_big_and_how_to_join(client):
    PostFactory.create_batch(2)  # two authors
    PostFactory(author=UserFactory(is_active=False))  # a suspended member and their post
    html = panel(client.get("/").content.decode())
    assert "Welcome to Eternity" in html
    assert "2 members" in html
    assert "2 posts" in html
    assert 'href="/accounts/signup/"' in html
    assert re.search(r'href="/accounts/signup/">\s*Join\s*</a>', html)
    assert 'href="/accounts/login/"' in html


def test_members_tag_pages_and_later_pages_show_no_panel(client):
    post = PostFactory(title="Tagged")
    post.tags.create(name="cats")
    assert panel(client.get("/tags/cats/").content.decode()) == ""
    PostFactory.create_batch(11)
    link = re.search(r'href="(/\?after=[^"]+)"', client.get("/").content.decode()).group(1)
    link = link.replace("&amp;", "&")
    assert "welcome-panel" not in client.get(link).content.decode()
    assert "welcome-panel" not in client.get(link, headers={"HX-Request": "true"}).content.decode()
    client.force_login(post.author)
    assert "welcome-panel" not in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("mode", "offered", "said"),
    [
        ("approval", "Apply to join", None),
        ("invitation", None, "Joining is by invitation"),
        ("closed", None, "New accounts are closed for now."),
    ],
)
def test_the_way_in_follows_the_signup_mode(client, settings, mode, offered, said):
    settings.REGISTRATION_MODE = mode
    html = panel(client.get("/").content.decode())
    if offered:
        assert offered in html
        assert 'href="/accounts/signup/"' in html
    else:
        assert 'href="/accounts/signup/"' not in html
    if said:
        assert said in html
    assert 'href="/accounts/login/"' in html


def test_the_counts_are_kept_a_minute_and_cost_no_query_per_post(client):
    client.get("/")
    PostFactory.create_batch(5)
    with CaptureQueriesContext(connection) as five:
        html = panel(client.get("/").content.decode())
    assert "0 posts" in html  # counted a moment ago, not on every page
    PostFactory.create_batch(5)
    with CaptureQueriesContext(connection) as ten:
        client.get("/")
    assert len(ten) == len(five)
    assert not [q for q in five if "COUNT(*)" in q["sql"] and "django_cache" not in q["sql"]]


def test_the_bar_offers_a_visitor_log_in_and_sign_up_instead_of_a_label(client):
    html = client.get("/").content.decode()
    assert "Guest" not in html
    assert re.search(r'btn-outline-primary[^"]*"\s+href="/accounts/signup/"', html)
    # On a phone the folded menu hides the links: Log in is the one button outside it.
    assert re.search(r'btn-primary ms-auto me-2 d-md-none"\s+href="/accounts/login/"', html)
