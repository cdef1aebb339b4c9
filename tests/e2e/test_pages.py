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
    ("account", "/settings/account/", "alice"),
    ("write", "/posts/new/", "alice"),
    ("login", "/accounts/login/", None),
    ("signup", "/accounts/signup/", None),
    ("tag", "/tags/photography/", None),
    ("notifications", "/notifications/", "alice"),
    ("search", "/search/?q=tea", None),
]


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize(("viewport_name", "viewport"), [("desktop", DESKTOP), ("mobile", MOBILE)])
def test_main_pages_are_healthy_accessible_and_photographed(
    browser, live_server, demo, viewport_name, viewport, theme, language
):
    """Every main page, on a desktop and a phone, in the light and the dark theme (the
    device's setting, applied before the first paint), in English and Russian: no console
    error or CSP violation, no request elsewhere, no serious axe finding."""
    alice = get_user_model().objects.get(username="alice")
    post = Post.objects.filter(image__gt="").first()
    options = {"viewport": viewport, "color_scheme": theme, "locale": language}
    anonymous = open_context(browser, live_server, **options)
    member = open_context(browser, live_server, **options)
    log_in(member, live_server, alice)
    suffix = "-".join(part for part in (language != "en" and language, theme == "dark" and theme,
                                        viewport_name) if part)  # fmt: skip
    try:
        for name, path, who in PAGES:
            page = (member if who else anonymous).new_page()
            health = watch(page, live_server)
            url = post.get_absolute_url() if path == "post" else path
            response = page.goto(url)
            assert response.status == 200, f"{name}: {response.status}"
            assert page.evaluate("() => document.documentElement.lang") == language
            assert page.evaluate("() => document.documentElement.dataset.bsTheme") == theme
            assert_accessible(page)
            shoot(page, f"{name}-{suffix}")
            health.assert_clean()
            page.close()
    finally:
        anonymous.close()
        member.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize(("viewport_name", "viewport"), [("desktop", DESKTOP), ("mobile", MOBILE)])
def test_own_profile_in_edit_state_is_accessible(
    browser, live_server, demo, theme, viewport_name, viewport
):
    context = open_context(browser, live_server, viewport=viewport, color_scheme=theme)
    log_in(context, live_server, get_user_model().objects.get(username="alice"))
    page = context.new_page()
    health = watch(page, live_server)
    page.goto("/u/alice/")
    page.locator("#section-details").get_by_role("link", name="Edit details").click()
    page.get_by_label("First name").wait_for()
    page.get_by_role("link", name="Change photo").click()
    page.get_by_label("New photo").wait_for()
    assert_accessible(page)
    suffix = "-".join(part for part in (theme == "dark" and theme, viewport_name) if part)
    shoot(page, f"profile-editing-{suffix}")
    health.assert_clean()
    context.close()


def test_the_language_switcher_changes_the_page_language(page):
    page.goto("/")
    page.get_by_label("Language").first.select_option("ru")
    page.get_by_role("button", name="Change").first.click()
    page.wait_for_function("() => document.documentElement.lang === 'ru'")
    assert page.get_by_role("link", name="Лента").is_visible()
    page.health.assert_clean()


def test_a_chosen_theme_is_kept_and_beats_the_device_setting(browser, live_server, demo):
    context = open_context(browser, live_server, color_scheme="dark")
    page = context.new_page()
    page.goto("/")
    page.get_by_label("Theme").select_option("light")
    page.get_by_label("Theme").press("Enter")  # Enter in the select applies it, as its button does
    page.wait_for_load_state()
    page.wait_for_function("() => document.documentElement.dataset.bsTheme === 'light'")
    page.goto("/tags/photography/")
    assert page.evaluate("() => document.documentElement.dataset.bsTheme") == "light"
    context.close()
