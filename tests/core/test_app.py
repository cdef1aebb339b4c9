"""The installable app: its manifest, its service worker at the root, the offline page and the
icons drawn at build time."""

import io
import json
import re

import pytest
from django.core.management import call_command
from PIL import Image

from apps.core.app import icons
from apps.profiles.models import Profile
from tests.core.test_static_releases import forget_rendered_pages
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db


def worker_config(response) -> dict:
    source = response.content.decode()
    return json.loads(re.search(r"const CONFIG = (\{.*?\n\});", source, re.S).group(1))


def test_the_manifest_names_the_app_and_is_served_as_a_manifest(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["name"] == "Eternity"
    assert manifest["short_name"] == "Eternity"
    assert manifest["start_url"] == "/?source=app"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#e3f6ee"
    assert manifest["background_color"] == "#f4f3f1"


def test_the_manifest_lists_any_and_maskable_icons_that_are_served(client):
    manifest = client.get("/manifest.webmanifest").json()
    purposes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert purposes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for icon in manifest["icons"]:
        image = Image.open(io.BytesIO(b"".join(client.get(icon["src"]).streaming_content)))
        assert f"{image.width}x{image.height}" == icon["sizes"]


def test_the_manifest_describes_the_app_in_the_visitors_language(client):
    client.cookies["eternity_language"] = "ru"
    manifest = client.get("/manifest.webmanifest").json()
    assert manifest["lang"] == "ru"
    assert manifest["description"].startswith("Eternity: ")
    assert "profiles" not in manifest["description"]


def test_every_page_links_the_manifest_the_apple_icon_and_theme_colours(client):
    html = client.get("/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert 'rel="apple-touch-icon" href="/static/app/apple-touch-icon.png"' in html
    assert 'content="#e3f6ee"\n              media="(prefers-color-scheme: light)"' in html
    assert 'content="#10211d"\n              media="(prefers-color-scheme: dark)"' in html
    assert "js/app.js" in html


def test_a_chosen_dark_theme_colours_the_browsers_bar_dark(client):
    client.cookies["theme"] = "dark"
    html = client.get("/").content.decode()
    assert re.search(r'<meta name="theme-color"\s+content="#10211d">', html)
    assert "prefers-color-scheme: light" not in html


def test_the_service_worker_is_served_from_the_root_as_javascript_never_kept_stale(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    assert "Service-Worker-Allowed" not in response


def test_the_service_worker_keeps_the_offline_page_and_its_static_files_only(client):
    config = worker_config(client.get("/sw.js"))
    shell = config["shell"]
    assert shell[0] == "/offline/"
    assert all(url.startswith("/static/") for url in shell[1:])
    for needed in ("css/site.css", "vendor/bootstrap/bootstrap.min.css", "js/app.js"):
        assert f"/static/{needed}" in shell
    for icon in icons.ICONS:
        assert f"/static/{icon.path}" in shell
    offline = client.get("/offline/").content.decode()
    linked = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', offline))
    assert linked <= set(shell)
    assert config["cache"].startswith("eternity-shell-")


def test_the_workers_cache_name_follows_the_hashed_static_names(client, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", "--noinput", verbosity=0)
    forget_rendered_pages()
    config = worker_config(client.get("/sw.js"))
    assert any(re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", url) for url in config["shell"])
    assert any(re.fullmatch(r"/static/app/icon-512\.[0-9a-f]{12}\.png", u) for u in config["shell"])
    manifest = client.get("/manifest.webmanifest").json()
    forget_rendered_pages()
    assert all(re.search(r"\.[0-9a-f]{12}\.png$", icon["src"]) for icon in manifest["icons"])


def test_the_service_worker_never_keeps_a_members_page(client):
    member = UserFactory(username="wren")
    client.force_login(member)
    response = client.get("/sw.js")
    config = worker_config(response)
    assert config["shell"][0] == "/offline/"
    assert not [url for url in config["shell"][1:] if not url.startswith("/static/")]
    assert "wren" not in response.content.decode()


def test_the_offline_page_says_so_with_a_way_to_try_again(client):
    response = client.get("/offline/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html
    assert "You are offline" in html
    assert "Try again" in html
    assert 'name="robots" content="noindex"' in html


def test_the_offline_page_is_in_russian_for_a_russian_reader(client):
    client.cookies["eternity_language"] = "ru"
    html = client.get("/offline/").content.decode()
    assert '<html lang="ru"' in html
    assert "Вы не в сети" in html
    assert "Попробовать ещё раз" in html


def test_the_offline_page_shows_nothing_of_the_member_who_asked(client):
    member = UserFactory(username="wren")
    client.force_login(member)
    html = client.get("/offline/").content.decode()
    assert 'data-member=""' in html
    assert "wren" not in html
    assert 'href="/accounts/login/"' in html


def test_the_workers_own_requests_leave_a_members_message_and_presence_alone(client):
    """The browser asks for /sw.js by itself (an update check, even on a push): that takes no
    flash message meant for the member's next page and does not make them look online."""
    member = UserFactory(username="wren")
    client.force_login(member)
    Profile.objects.filter(user=member).update(is_online=False, last_seen=None)
    post = PostFactory(author=member)
    response = client.post(f"/posts/{post.pk}/delete/")
    assert response.status_code == 302  # "Post deleted." waits for the next page
    session = client.session
    session.pop("_presence_touched_at", None)
    session.save()

    for url in ("/sw.js", "/offline/", "/manifest.webmanifest"):
        assert client.get(url).status_code == 200
    assert not Profile.objects.get(user=member).is_online
    assert "Post deleted." in client.get("/").content.decode()


def test_the_content_security_policy_allows_the_worker_and_the_manifest_from_the_site(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "worker-src 'self'" in csp
    assert "manifest-src 'self'" in csp


def test_collectstatic_draws_the_app_icons_at_their_sizes(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", "--noinput", verbosity=0)
    for icon in icons.ICONS:
        image = Image.open(tmp_path / icon.path)
        assert image.format == "PNG"
        assert image.size == (icon.size, icon.size)


def test_the_maskable_icon_fills_its_square_and_keeps_the_letter_in_the_safe_zone():
    image = Image.open(io.BytesIO(icons.draw(icons.ICONS[2]))).convert("RGB")
    assert image.getpixel((0, 0)) == icons.TEAL
    assert image.getpixel((511, 511)) == icons.TEAL
    mint = [
        (x, y)
        for x in range(0, 512, 4)
        for y in range(0, 512, 4)
        if image.getpixel((x, y))[1] > 200
    ]
    centre = 256
    assert mint
    assert max(((x - centre) ** 2 + (y - centre) ** 2) ** 0.5 for x, y in mint) < 0.4 * 512
