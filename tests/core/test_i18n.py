"""Russian and English: the catalogue, choosing the language, and pages in both."""

import re
from datetime import UTC, datetime
from pathlib import Path

import polib
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from apps.profiles.models import Profile
from tests.factories import PASSWORD, PostFactory, UserFactory

User = get_user_model()

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "ru" / "LC_MESSAGES"
RU = {"HTTP_ACCEPT_LANGUAGE": "ru"}


def test_the_russian_catalogue_has_no_missing_or_fuzzy_entry():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    assert len(po) > 150
    assert po.untranslated_entries() == []
    assert po.fuzzy_entries() == []
    assert not po.metadata_is_fuzzy


def test_the_compiled_catalogue_matches_the_source():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    mo = polib.mofile(str(CATALOGUE / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in mo}
    assert {(e.msgctxt, e.msgid): e.msgstr for e in po.translated_entries()} == compiled


def test_placeholders_survive_translation():
    for entry in polib.pofile(str(CATALOGUE / "django.po")):
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for pattern in (r"%\(\w+\)s", r"\{\w+\}"):
            for translation in translations:
                assert set(re.findall(pattern, entry.msgid)) == set(
                    re.findall(pattern, translation)
                ), entry.msgid


pytestmark = pytest.mark.django_db


def test_the_browser_language_chooses_russian(client):
    html = client.get("/", **RU).content.decode()
    assert '<html lang="ru">' in html
    assert "Лента" in html
    assert "Войти" in html
    assert ">Feed<" not in html


def test_english_is_the_default(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="en">' in html
    assert "Feed" in html


def test_the_switcher_works_without_javascript_and_remembers_the_choice(client):
    response = client.post("/language/", {"language": "ru", "next": "/tags/tea/"})
    assert response.status_code == 302
    assert response["Location"] == "/tags/tea/"
    assert response.cookies["eternity_language"].value == "ru"
    assert "Записей с тегом #tea пока нет." in client.get("/tags/tea/").content.decode()


def test_the_switcher_refuses_unknown_languages_and_foreign_redirects(client):
    assert client.post("/language/", {"language": "xx"}).status_code == 400
    response = client.post("/language/", {"language": "ru", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert client.get("/language/").status_code == 405


def test_a_members_saved_language_follows_them_to_a_new_device():
    UserFactory(username="ivan")
    device = Client()
    device.post("/accounts/login/", {"login": "ivan", "password": PASSWORD})
    device.post("/language/", {"language": "ru"})
    assert User.objects.get(username="ivan").language == "ru"

    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    other.post("/accounts/login/", {"login": "ivan", "password": PASSWORD})
    html = other.get("/u/ivan/").content.decode()
    assert '<html lang="ru">' in html
    assert "С нами с" in html


def test_profile_and_its_htmx_fragments_in_russian(client):
    user = UserFactory(username="olga", first_name="Ольга")
    client.force_login(user)
    html = client.get("/u/olga/", **RU).content.decode()
    for text in ("О себе", "Изменить", "Сменить фото", "С нами с", "Записи"):
        assert text in html
    form = client.get("/settings/profile/details/", headers={"HX-Request": "true"}, **RU)
    form_html = form.content.decode()
    assert "Изменить сведения" in form_html
    assert "Кто видит, что вы в сети" in form_html
    assert "Отмена" in form_html


def test_feed_cards_and_the_next_page_in_russian(client):
    PostFactory.create_batch(12)
    html = client.get("/", **RU).content.decode()
    assert "Мне нравится" in html
    assert "Копировать ссылку" in html
    link = re.search(r'hx-get="(/\?after=[^"]+)"', html).group(1)
    fragment = client.get(link, headers={"HX-Request": "true"}, **RU).content.decode()
    assert "Комментарии" in fragment


def test_form_errors_in_russian(client):
    client.force_login(UserFactory())
    response = client.post("/posts/new/", {"title": "", "text": "x", "tags": "<b>"}, **RU)
    html = response.content.decode()
    assert "недопустимый тег" in html


def test_last_seen_reads_as_a_russian_date_without_javascript(client):
    user = UserFactory(username="pavel")
    moment = datetime(2026, 12, 5, 21, 53, 40, tzinfo=UTC)
    Profile.objects.filter(user=user).update(is_online=False, last_seen=moment)
    response = client.get("/presence/", {"u": "pavel"}, headers={"HX-Request": "true"}, **RU)
    text = " ".join(response.content.decode().split())
    assert (
        'Был(а) в сети <time datetime="2026-12-05T21:53:40+00:00" '
        'title="5 декабря 2026 г. 21:53 UTC" data-relative>5 декабря 2026 г. 21:53 UTC</time>'
        in text
    )  # "5 минут назад" and its plural forms are the browser's (tests/e2e/test_times.py)


def test_allauth_pages_use_their_own_russian_translation(client):
    html = client.get("/accounts/login/", **RU).content.decode()
    assert "Имя пользователя или почта" in html
    assert "Войти" in html


def test_a_members_language_does_not_stay_behind_after_logout():
    anna = UserFactory(username="anna")
    shared = Client(HTTP_ACCEPT_LANGUAGE="en")
    shared.force_login(anna)
    response = shared.post("/language/", {"language": "ru"})
    assert "eternity_language" not in response.cookies
    assert '<html lang="ru">' in shared.get("/").content.decode()
    shared.post("/accounts/logout/")
    assert '<html lang="en">' in shared.get("/").content.decode()
