"""Every main page in a real browser, on a desktop and a phone: loads cleanly (no console
errors, no CSP violations, no requests to other hosts), passes axe-core, and is photographed
for the README."""

import pytest
from django.contrib.auth import get_user_model

from apps.feed.models import Post

from .conftest import DESKTOP, MOBILE, assert_accessible, log_in, open_context, shoot, watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAGES = [
    ("feed", "/", None),
    ("post", "post", None),
    ("profile-own", "/u/alice/", "alice"),
    ("profile-other", "/u/chloe/", "alice"),
    ("settings", "/settings/profile/", "alice"),
    ("write", "/posts/new/", "alice"),
    ("login", "/accounts/login/", None),
    ("signup", "/accounts/signup/", None),
    ("tag", "/tags/photography/", None),
]


@pytest.mark.parametrize(("viewport_name", "viewport"), [("desktop", DESKTOP), ("mobile", MOBILE)])
def test_main_pages_are_healthy_accessible_and_photographed(
    browser, live_server, demo, viewport_name, viewport
):
    alice = get_user_model().objects.get(username="alice")
    post = Post.objects.filter(image__gt="").first()
    anonymous = open_context(browser, live_server, viewport=viewport)
    member = open_context(browser, live_server, viewport=viewport)
    log_in(member, live_server, alice)
    try:
        for name, path, who in PAGES:
            page = (member if who else anonymous).new_page()
            health = watch(page, live_server)
            url = post.get_absolute_url() if path == "post" else path
            response = page.goto(url)
            assert response.status == 200, f"{name}: {response.status}"
            assert_accessible(page)
            shoot(page, f"{name}-{viewport_name}")
            health.assert_clean()
            page.close()
    finally:
        anonymous.close()
        member.close()


def test_own_profile_in_edit_state_is_accessible(browser, live_server, demo):
    context = open_context(browser, live_server)
    log_in(context, live_server, get_user_model().objects.get(username="alice"))
    page = context.new_page()
    health = watch(page, live_server)
    page.goto("/u/alice/")
    page.get_by_role("link", name="Edit details").click()
    page.get_by_label("First name").wait_for()
    page.get_by_role("link", name="Change photo").click()
    page.get_by_label("New photo").wait_for()
    assert_accessible(page)
    shoot(page, "profile-editing-desktop")
    health.assert_clean()
    context.close()


def test_pages_in_russian_are_healthy_accessible_and_photographed(browser, live_server, demo):
    alice = get_user_model().objects.get(username="alice")
    for viewport_name, viewport in (("desktop", DESKTOP), ("mobile", MOBILE)):
        context = open_context(browser, live_server, viewport=viewport, locale="ru-RU")
        log_in(context, live_server, alice)
        page = context.new_page()
        health = watch(page, live_server)
        for name, url in (("feed", "/"), ("profile-own", "/u/alice/")):
            page.goto(url)
            assert page.evaluate("() => document.documentElement.lang") == "ru"
            assert_accessible(page)
            shoot(page, f"{name}-ru-{viewport_name}")
        health.assert_clean()
        context.close()


def test_the_language_switcher_changes_the_page_language(page):
    page.goto("/")
    page.get_by_label("Language").first.select_option("ru")
    page.wait_for_function("() => document.documentElement.lang === 'ru'")
    assert page.get_by_role("link", name="Лента").is_visible()
    page.health.assert_clean()


@pytest.mark.parametrize(("viewport_name", "viewport"), [("desktop", DESKTOP), ("mobile", MOBILE)])
def test_main_pages_in_the_dark_theme_are_accessible_and_photographed(
    browser, live_server, demo, viewport_name, viewport
):
    """The device asks for dark (no choice saved): the page is dark from its first paint and
    passes axe's contrast checks like the light one."""
    alice = get_user_model().objects.get(username="alice")
    post = Post.objects.filter(image__gt="").first()
    anonymous = open_context(browser, live_server, viewport=viewport, color_scheme="dark")
    member = open_context(browser, live_server, viewport=viewport, color_scheme="dark")
    log_in(member, live_server, alice)
    try:
        for name, path, who in PAGES:
            page = (member if who else anonymous).new_page()
            health = watch(page, live_server)
            page.goto(post.get_absolute_url() if path == "post" else path)
            theme = page.evaluate("() => document.documentElement.dataset.bsTheme")
            assert theme == "dark", name
            assert_accessible(page)
            shoot(page, f"{name}-dark-{viewport_name}")
            health.assert_clean()
            page.close()
    finally:
        anonymous.close()
        member.close()


def test_a_chosen_theme_is_kept_and_beats_the_device_setting(browser, live_server, demo):
    context = open_context(browser, live_server, color_scheme="dark")
    page = context.new_page()
    page.goto("/")
    page.get_by_label("Theme").select_option("light")  # applies on change, without the button
    page.wait_for_load_state()
    page.wait_for_function("() => document.documentElement.dataset.bsTheme === 'light'")
    page.goto("/tags/photography/")
    assert page.evaluate("() => document.documentElement.dataset.bsTheme") == "light"
    context.close()
