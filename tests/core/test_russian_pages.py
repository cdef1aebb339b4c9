"""Rendered pages in Russian carry no English UI text: every English string of the catalogues
(ours and allauth's) is looked for in the visible text and the accessible names of the main
pages, rendered for a member whose own content is all Russian."""

import html
import re
from pathlib import Path

import allauth
import polib
import pytest
from django.test import Client

from tests.factories import CommentFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = [
    ROOT / "locale" / "ru" / "LC_MESSAGES" / "django.po",
    Path(allauth.__file__).parent / "locale" / "ru" / "LC_MESSAGES" / "django.po",
]
RU = {"Accept-Language": "ru"}
# Shown as they are in every language: language names in their own language, names of things.
NOT_UI = {
    "English",
    "Eternity",
    "GitHub",
    "Google",
    "OpenID Connect",
    "ETERNITY",
    "OK",
    "IP",
    "UTC",
}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|<[^>]+>")


def english_strings() -> set[str]:
    """Each catalogue string that Russian changes, cut at its placeholders into the pieces a
    page would show verbatim."""
    found: set[str] = set()
    for path in CATALOGUES:
        for entry in polib.pofile(str(path)):
            if entry.obsolete or not entry.msgstr or entry.msgstr == entry.msgid:
                continue
            for piece in PLACEHOLDER.split(entry.msgid):
                piece = piece.strip(" .,:;!?…·()“”\"'-\n")
                if re.search(r"[A-Za-z]{2}", piece) and piece not in NOT_UI:
                    found.add(piece)
    return found


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    labels = re.findall(r'(?:aria-label|placeholder|title|alt)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(" ".join([text, *labels]))


@pytest.fixture
def member_client():
    me = UserFactory(username="anna", first_name="Анна", last_name="Каренина", email="a@a.ru")
    other = UserFactory(username="lev", first_name="Лев", last_name="Толстой")
    post = PostFactory(author=other, title="Первый пост", text="Привет всем")
    PostFactory(author=me, title="Мой пост", text="Текст")
    CommentFactory(post=post, author=me, text="Отлично")
    client = Client(headers=RU)
    client.force_login(me)
    client.post("/language/", {"language": "ru"})
    return client, post


def test_main_pages_in_russian_have_no_english_ui_text(member_client):
    client, post = member_client
    htmx = {"HX-Request": "true"}
    pages = {}

    def render(name, response):
        assert response.status_code == 200, name
        pages[name] = response.content.decode()

    for path in ("/", post.get_absolute_url(), "/u/anna/", "/u/lev/", "/posts/new/",
                 "/settings/profile/", "/settings/account/", "/accounts/sessions/",
                 "/accounts/2fa/", "/accounts/reauthenticate/"):  # fmt: skip
        render(path, client.get(path))
    render("thread", client.get(f"/posts/{post.pk}/comments/", headers=htmx))
    for section in ("details", "username", "email", "photo"):
        render(section, client.get(f"/settings/profile/{section}/", headers=htmx))
    visitor = Client(headers=RU)
    for path in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"):
        render(path, visitor.get(path))

    strings = english_strings()
    assert len(strings) > 300
    leftovers = {name: english_in(page, strings) for name, page in pages.items()}
    assert {name: found for name, found in leftovers.items() if found} == {}

    # The same check on the English feed finds the English UI, so it can fail.
    english = Client().get("/").content.decode()
    assert {"Feed", "Log in", "Sign up"} <= set(english_in(english, strings))


def english_in(page: str, strings: set[str]) -> list[str]:
    text = visible_text(page)
    return sorted(s for s in strings if re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", text))
