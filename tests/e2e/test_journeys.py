"""Whole user journeys in a real browser: from signup to a finished profile, writing and
reacting to posts, social login, and the keyboard-only way through inline editing."""

import io
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from oidc_provider_mock import User as OidcUser
from oidc_provider_mock import run_server_in_thread
from PIL import Image
from playwright.sync_api import expect

from apps.feed.models import Comment, Post
from apps.profiles.models import Profile
from tests.factories import PASSWORD, PostFactory, UserFactory

from .conftest import focused, log_in, open_context, wait_for_focus, watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def jpeg(tmp_path, name="photo.jpg", size=(800, 600), colour=(30, 140, 90)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    path = tmp_path / name
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_sign_up_verify_and_build_a_profile(page, tmp_path):
    page.goto("/accounts/signup/")
    page.get_by_label("Email").fill("nadia@example.com")
    page.get_by_label("Username").fill("nadia")
    page.get_by_label("Password", exact=False).first.fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    # The proof-of-work check has solved itself meanwhile (tests/e2e/test_proof_of_work.py).
    page.get_by_role("status").filter(has_text="Checked: you can send").wait_for()
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_role("heading", name="Verify Your Email Address").wait_for()

    link = re.search(r"https?://[^/]+(/accounts/confirm-email/\S+)", mail.outbox[-1].body)
    page.goto(link.group(1))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url("**/")
    page.goto("/accounts/logout/")
    page.get_by_role("button", name="Sign Out").click()

    page.goto("/accounts/login/")
    page.get_by_label("Username or email").fill("nadia@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In", exact=True).click()
    page.wait_for_url("**/")
    page.goto("/u/nadia/")

    # Details: a validation error, then a save.
    page.get_by_role("link", name="Edit details").click()
    wait_for_focus(page, "details-first_name")
    page.get_by_label("First name").fill("N" * 150)
    page.get_by_label("About you").fill("Hello!\nSecond line.")
    page.get_by_label("First name").fill("Nadia")
    page.get_by_label("Last name").fill("Boulanger")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Details saved.").wait_for()
    wait_for_focus(page, "Edit details")

    # Username: cancel leaves it (after asking, since something was typed), Escape leaves it.
    page.get_by_text("Username and email").click()  # folded on the owner's profile
    page.get_by_role("link", name="Edit username").click()
    page.locator("#id_username-username").fill("changed-my-mind")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("link", name="Cancel").click()
    wait_for_focus(page, "Edit username")
    expect(page.locator("#section-username")).to_contain_text("@nadia")

    # Photo, with its progress bar and the navbar avatar following.
    page.get_by_role("link", name="Change photo").click()
    wait_for_focus(page, "photo-photo")
    page.get_by_label("New photo").set_input_files(jpeg(tmp_path))
    page.get_by_role("button", name="Upload").click()
    page.get_by_text("Photo saved.").wait_for()
    expect(page.locator("#navbar-identity img")).to_have_attribute("src", re.compile("avatars/"))

    page.reload()
    expect(page.locator("#profile-name")).to_have_text("Nadia Boulanger")
    expect(page.locator("#section-details")).to_contain_text("Second line.")
    expect(page.locator("#section-photo img")).to_have_attribute("src", re.compile("avatars/"))
    assert Profile.objects.get(user__username="nadia").photo


def test_keyboard_only_inline_editing(page, live_server, context):
    log_in(context, live_server, UserFactory(username="kim", first_name="Kim"))
    page.goto("/u/kim/")
    for _ in range(30):
        page.keyboard.press("Tab")
        if focused(page) == "Edit details":
            break
    assert focused(page) == "Edit details"
    page.keyboard.press("Enter")
    wait_for_focus(page, "details-first_name")
    page.keyboard.press("Control+A")
    page.keyboard.type("Kimberly")
    page.keyboard.press("Enter")  # submits the form from a text field
    page.get_by_text("Details saved.").wait_for()
    wait_for_focus(page, "Edit details")
    page.keyboard.press("Enter")
    wait_for_focus(page, "details-first_name")
    page.keyboard.press("Escape")
    wait_for_focus(page, "Edit details")
    expect(page.locator("#profile-name")).to_contain_text("Kimberly")
    page.health.assert_clean()


def test_write_like_comment_reply_and_share(page, live_server, context, tmp_path):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(context, live_server, UserFactory(username="wren", first_name="Wren"))
    page.goto("/")
    page.get_by_role("link", name="Write", exact=True).click()
    page.get_by_label("Title").fill("A walk in the rain")
    page.get_by_label("Tags").fill("#Walks, rain")
    page.get_by_label("Text").fill("It rained.\nWe walked anyway: https://example.org")
    page.get_by_label("Image", exact=True).set_input_files(jpeg(tmp_path, size=(1600, 900)))
    page.get_by_label("Describe the image").fill("Rain on the river at dusk")
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("Your post is published.").wait_for()
    post = Post.objects.get()
    expect(page.get_by_role("link", name="#walks")).to_be_visible()
    expect(page.locator("article img")).to_have_attribute("width", "1200")
    expect(page.get_by_role("img", name="Rain on the river at dusk")).to_be_visible()

    like = page.locator(f"[data-like='{post.pk}']")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like).to_contain_text("1")
    like = page.locator(f"[data-like='{post.pk}']")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "false")
    expect(like).to_contain_text("0")

    page.get_by_role("textbox", name="Comment").fill("First comment")
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator(f"#comments-{post.pk}")).to_contain_text("First comment")
    page.get_by_role("link", name="Reply").first.click()
    page.get_by_label(re.compile("Reply to")).fill("A reply")
    page.get_by_role("button", name="Reply", exact=True).click()
    expect(page.locator(f"#comments-{post.pk} ol")).to_contain_text("A reply")
    assert Comment.objects.get(text="A reply").parent.text == "First comment"
    expect(page.locator(f"#comment-count-{post.pk}")).to_have_text("2")

    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("button", name="Link copied")).to_be_visible()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert urlsplit(copied).path == f"/posts/{post.pk}/"
    page.health.assert_clean()


def test_scrolling_loads_every_post_once(page):
    author = UserFactory()
    posts = PostFactory.create_batch(27, author=author)
    page.goto("/")
    for _ in range(10):
        page.mouse.wheel(0, 20000)
        page.wait_for_timeout(300)
        if page.locator("article[id^=post-]").count() == 27:
            break
    ids = page.eval_on_selector_all("article[id^=post-]", "els => els.map(e => e.id)")
    assert sorted(ids) == sorted(f"post-{p.pk}" for p in posts)
    assert len(ids) == len(set(ids))
    page.health.assert_clean()


def test_social_login_through_a_local_openid_connect_server(browser, live_server, settings):
    users = [OidcUser(sub="sam-sub", claims={
        "email": "sam@example.org", "email_verified": True, "given_name": "Sam",
        "family_name": "Social", "preferred_username": "sam",
    })]  # fmt: skip
    with run_server_in_thread(user_claims=users) as server:
        issuer = f"http://localhost:{server.server_port}"
        settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [{
            "provider_id": "mock", "name": "Mock ID", "client_id": "eternity",
            "secret": "s3cret", "settings": {"server_url": issuer},
        }]}}  # fmt: skip
        settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"  # the live server has no TLS
        # What settings.py derives from OIDC_SERVER_URL: the form may redirect to the provider.
        settings.SECURE_CSP = settings.SECURE_CSP | {
            "form-action": [*settings.SECURE_CSP["form-action"], issuer]
        }
        context = open_context(browser, live_server)
        page = context.new_page()
        health = watch(page, live_server)
        page.goto("/accounts/login/")
        page.get_by_role("link", name="Continue with Mock ID").click()
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(f"{issuer}/**")
        page.get_by_role("button", name=re.compile("sam-sub")).click()
        page.wait_for_url(f"{live_server.url}/")
        expect(page.locator("#navbar-identity")).to_contain_text("Sam Social")
        assert not [e for e in health.console_errors if "Content Security Policy" in e]
        context.close()


def test_a_hidden_status_is_never_shown_to_others(browser, live_server, settings):
    settings.PRESENCE_POLL_INTERVAL = 1
    shy = UserFactory(username="shy")
    Profile.objects.filter(user=shy).update(presence_audience="nobody")
    shy_context = open_context(browser, live_server)
    log_in(shy_context, live_server, shy)
    shy_context.new_page().goto("/u/shy/")
    watcher_context = open_context(browser, live_server)
    watcher = watcher_context.new_page()
    watcher.goto("/u/shy/")
    watcher.wait_for_timeout(2500)  # a couple of polls
    expect(watcher.locator("[data-presence='shy']")).to_have_text("○ Offline")
    shy_context.close()
    watcher_context.close()
