import gzip
import re

import pytest
from django.contrib import messages
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import path

from tests.factories import PASSWORD, PostFactory

pytestmark = pytest.mark.django_db


def test_home_page_renders_the_navbar_for_a_guest(client, django_assert_max_num_queries):
    client.get("/")  # the visitors' panel counts members and posts once a minute
    with django_assert_max_num_queries(2):
        response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "ETERNITY" in html
    assert 'href="/accounts/login/"' in html
    assert 'href="/accounts/signup/"' in html
    assert "Skip to main content" in html


def test_pages_carry_a_nonce_based_content_security_policy(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce, csp
    assert "script-src 'self' 'nonce-" in csp
    assert "'unsafe-inline'" not in csp
    assert "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp


def test_pages_have_no_inline_script_or_style_without_the_nonce(client):
    response = client.get("/")
    html = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    assert nonce
    assert " style=" not in html
    for tag in re.findall(r"<script\b[^>]*>", html):
        json_data = 'type="application/json"' in tag
        assert "src=" in tag or json_data or f'nonce="{nonce.group(1)}"' in tag, tag


def test_security_headers_are_sent(client):
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_htmx_is_served_from_our_own_static_files(client):
    html = client.get("/").content.decode()
    assert '<script src="/static/django_htmx/htmx-2.min.js"' in html
    assert "/static/vendor/bootstrap/bootstrap.min.css" in html
    assert "https://" not in re.sub(r'content="[^"]*"', "", html.split("<body")[0])


def test_every_htmx_request_carries_the_csrf_token(client):
    client.get("/")
    html = client.get("/").content.decode()
    token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', html)
    assert token
    assert len(token.group(1)) >= 32


def test_unknown_page_is_a_styled_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert "ETERNITY" in html


def test_post_without_csrf_token_is_refused_with_a_clear_page():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"login": "x"})
    assert response.status_code == 403
    assert "Your form expired" in response.content.decode()


def test_server_error_page_renders_without_a_request_context():
    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html


def add_message_view(request):
    messages.success(request, "Saved <b>now</b>")
    return HttpResponse("<p>fragment</p>")


urlpatterns = [path("message/", add_message_view)]


@override_settings(ROOT_URLCONF=__name__)
def test_messages_reach_htmx_responses_as_an_out_of_band_toast(client):
    html = client.get("/message/", headers={"HX-Request": "true"}).content.decode()
    assert html.startswith("<p>fragment</p>")
    assert 'id="messages"' in html
    assert 'hx-swap-oob="beforeend"' in html
    assert "Saved &lt;b&gt;now&lt;/b&gt;" in html


@override_settings(ROOT_URLCONF=__name__)
def test_plain_requests_do_not_get_the_out_of_band_toast(client):
    html = client.get("/message/").content.decode()
    assert html == "<p>fragment</p>"


# --- What the browser keeps, and what background requests take ---------------------------------


def test_a_flash_message_waits_for_the_next_page_even_when_the_presence_poll_comes_first(
    client, user
):
    client.force_login(user)
    client.post("/posts/new/", {"title": "Hello", "text": "Words", "tags": ""})
    poll = client.get(
        "/presence/", {"u": "alice"}, headers={"HX-Request": "true", "X-Background": "1"}
    )
    assert poll.status_code == 200
    assert "Your post is published." not in poll.content.decode()
    assert "Your post is published." in client.get("/").content.decode()


def test_pages_are_never_kept_stale_and_say_they_vary_with_htmx(client, user):
    page = client.get("/settings/profile/")
    assert "no-store" in page["Cache-Control"]
    assert "HX-Request" in page["Vary"]
    client.force_login(user)
    fragment = client.get("/settings/profile/details/", headers={"HX-Request": "true"})
    assert "no-store" in fragment["Cache-Control"]
    assert "HX-Request" in fragment["Vary"]
    poll = client.get("/presence/", {"u": "alice"}, headers={"HX-Request": "true"})
    assert poll["Cache-Control"] == "private, no-cache"  # its own rule: revalidate by ETag


def test_lists_of_posts_may_be_kept_for_back_but_never_by_a_shared_cache(client, user):
    """The back/forward cache refuses `no-store` pages; the feed, a post and a profile are
    `private, no-cache` instead: the tab may keep them, a proxy may not, a visit asks anew."""
    post = PostFactory()
    client.force_login(user)
    for url in ["/", "/?tab=everyone", post.get_absolute_url(), f"/u/{post.author.username}/"]:
        assert client.get(url)["Cache-Control"] == "private, no-cache", url
    # A member's own profile shows their email addresses: never kept anywhere.
    assert "no-store" in client.get(f"/u/{user.username}/")["Cache-Control"]
    more = client.get("/", {"after": "x"}, headers={"HX-Request": "true"})
    assert more.status_code == 400
    thread = client.get(f"/posts/{post.pk}/comments/", headers={"HX-Request": "true"})
    assert "no-store" in thread["Cache-Control"]  # fragments are never kept


def test_signing_in_and_out_clears_the_browsers_copies_of_the_pages(client, user):
    client.get("/")  # a visitor's session: nothing to clear yet
    signed_in = client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert "Clear-Site-Data" not in client.get("/")
    signed_out = client.post("/accounts/logout/")
    assert signed_out.status_code == 302
    assert signed_out["Clear-Site-Data"] == '"cache"'


def test_who_is_signed_in_says_the_username_or_nothing(client, user):
    """What static/js/restore.js asks when Back brings a page from the back/forward cache."""
    visitor = client.get("/who/")
    assert visitor.content == b""
    assert "no-store" in visitor["Cache-Control"]
    client.force_login(user)
    assert client.get("/who/").content.decode() == user.username
    assert client.post("/who/").status_code == 405


def test_pages_are_sent_compressed_and_never_twice_the_same_bytes(client):
    """gzip for browsers that accept it; Django's random padding (against BREACH) makes two
    compressions of the same page differ."""
    PostFactory.create_batch(5)
    first = client.get("/", headers={"Accept-Encoding": "gzip"})
    second = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert first["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in first["Vary"]
    page = gzip.decompress(first.content).decode()
    assert "</html>" in page
    assert len(first.content) < len(page) / 3
    assert first.content != second.content
    assert "Content-Encoding" not in client.get("/")
