"""The presence poll through the short middleware stack (apps/core/web/lean.py) answers
exactly what the full stack answers, for every kind of viewer."""

import gzip
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client, RequestFactory
from django.utils import timezone

from apps.conversations import services as conversations
from apps.core.web.lean import SiteHandler
from apps.profiles.models import Profile
from apps.social import services as social
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
POLL = {"HX-Request": "true", "X-Background": "1", "X-Request-ID": "same-id-for-both"}


@pytest.fixture
def handlers(db):
    """The site's handler and Django's own, called as gunicorn calls them, inside the test's
    transaction (as the test client does, the end of a request closes no connection)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield SiteHandler(), WSGIHandler()
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@pytest.fixture
def people(db):
    names = ("alice", "bob", "carol", "hidden")
    alice, bob, carol, hidden = (UserFactory(username=name) for name in names)
    Profile.objects.filter(user=hidden).update(presence_audience="nobody")
    Profile.objects.filter(user=carol).update(
        is_online=False, last_seen=timezone.now() - timedelta(hours=3)
    )
    social.follow(follower=alice, followee=bob)
    return {"alice": alice, "bob": bob, "carol": carol, "hidden": hidden}


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def serve(handler, *, session=None, method="GET", query=None, poller=True, **headers):
    factory = RequestFactory()
    if session:
        factory.cookies[settings.SESSION_COOKIE_NAME] = session
    names = ["alice", "bob", "carol", "hidden", "nobody"]
    query = {"u": names, "online": "1", "bell": "1"} | (query or {})
    headers = (POLL if poller else {}) | {name.replace("_", "-"): v for name, v in headers.items()}
    request = getattr(factory, method.lower())("/presence/", query, headers=headers)
    found = {}
    body = handler(request.environ, lambda status, head: found.update(status=status, head=head))
    content = b"".join(body)
    body.close()
    head = dict(found["head"])
    if head.get("Content-Encoding") == "gzip":
        content = gzip.decompress(content)  # Django adds random bytes to each (BREACH)
        head.pop("Content-Length")
    return found["status"], head, content.decode()


def without_expires(head: dict) -> dict:
    return {name: value for name, value in head.items() if name != "Expires"}


def same_answer(handlers, **request) -> tuple[str, dict, str]:
    site, full = handlers
    serve(full, **request)  # the first poll of a session may write (presence, the device)
    expected = serve(full, **request)
    answer = serve(site, **request)
    status, head, body = answer
    assert status == expected[0]
    assert without_expires(head) == without_expires(expected[1])
    if "Expires" in expected[1]:  # "now", so a second may tick between the two answers
        gap = parsedate_to_datetime(head["Expires"]) - parsedate_to_datetime(expected[1]["Expires"])
        assert timedelta(0) <= gap <= timedelta(seconds=2)
    assert body == expected[2]
    return answer


def test_every_viewer_gets_the_same_answer_from_both_stacks(handlers, people):
    alice, bob = people["alice"], people["bob"]
    expired = session_of(bob)
    Session.objects.filter(session_key=expired).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    suspended_member = UserFactory(username="gone")
    suspended = session_of(suspended_member)
    suspended_member.is_active = False
    suspended_member.save()
    social.block(blocker=bob, blocked=people["hidden"])

    anonymous = same_answer(handlers)
    member = same_answer(handlers, session=session_of(alice))
    assert anonymous[0] == member[0] == "200 OK"
    assert 'data-presence="carol"' in anonymous[2]
    assert "Last seen" in anonymous[2]
    assert 'id="online-now"' in member[2]
    assert "online-now" not in anonymous[2]

    blocking = same_answer(handlers, session=session_of(bob))
    assert 'data-presence="alice"' in blocking[2]
    # An ended or suspended session polls as nobody: the same answer as anonymous.
    nobody = same_answer(handlers)[2]
    assert same_answer(handlers, session=expired)[2] == nobody
    assert same_answer(handlers, session=suspended)[2] == nobody


def test_the_same_language_compression_and_refusals(handlers, people):
    session = session_of(people["alice"])
    russian = same_answer(handlers, session=session, Accept_Language="ru")
    assert "Не в сети" in russian[2]
    compressed = same_answer(handlers, session=session, Accept_Encoding="gzip")
    assert compressed[1]["Content-Encoding"] == "gzip"
    too_many = same_answer(handlers, query={"u": [f"u{n}" for n in range(500)]})
    assert too_many[0] == "400 Bad Request"
    assert same_answer(handlers, session=session, method="HEAD")[0] == "200 OK"


def test_an_unchanged_poll_is_a_304_from_both(handlers, people):
    site, full = handlers
    session = session_of(people["alice"])
    _status, head, _body = serve(full, session=session)
    assert serve(site, session=session, If_None_Match=head["ETag"])[0] == "304 Not Modified"
    assert same_answer(handlers, session=session, If_None_Match=head["ETag"])[0].startswith("304")


def test_a_conversations_page_gets_the_same_new_messages_seen_and_304_from_both(handlers,
                                                                               people):  # fmt: skip
    alice, bob = people["alice"], people["bob"]
    social.follow(follower=bob, followee=alice)
    first = conversations.start_conversation(starter=alice, members=[bob], text="Hi Bob")
    reply = conversations.send_message(sender=bob, conversation=first.conversation, text="Hey")
    mine = conversations.send_message(sender=alice, conversation=first.conversation, text="Ok")
    opened = {"c": str(first.conversation_id), "after": str(first.pk)}
    session = session_of(bob)
    status, _head, body = same_answer(handlers, session=session, query=opened)
    assert status == "200 OK"
    assert f'id="message-{reply.pk}"' in body
    assert f'id="message-{mine.pk}"' in body
    # Alice's page: bob has read her newest message.
    opened["after"] = str(mine.pk)
    alice_session = session_of(alice)
    _status, head, body = same_answer(handlers, session=alice_session, query=opened)
    assert "Seen" in body
    assert 'id="message-' not in body
    assert same_answer(handlers, session=alice_session, query=opened, If_None_Match=head["ETag"])[
        0
    ].startswith("304")


def test_only_the_pages_own_background_polls_take_the_short_stack(handlers, db):
    site, _full = handlers
    environ = RequestFactory().get("/presence/", headers=POLL).environ
    assert site.is_lean(environ)
    browser = RequestFactory().get("/presence/").environ
    assert not site.is_lean(browser)
    assert not site.is_lean(RequestFactory().post("/presence/", headers=POLL).environ)
    assert not site.is_lean(RequestFactory().get("/", headers=POLL).environ)
    # A browser opening the address gets the full stack's explanation.
    status, _head, body = serve(site, poller=False)
    assert status == "400 Bad Request"
    assert "polled" in body


@pytest.mark.django_db(False)
def test_the_short_stack_leaves_out_only_what_it_names():
    """A middleware added to the site runs for the poll too, unless it is named as left out;
    what authenticates and protects a request is never left out."""
    kept = [name for name in settings.MIDDLEWARE if name not in settings.LEAN_SKIPPED_MIDDLEWARE]
    assert kept == settings.LEAN_MIDDLEWARE
    assert set(settings.LEAN_SKIPPED_MIDDLEWARE) <= set(settings.MIDDLEWARE)
    for needed in ("security.SecurityMiddleware", "csp.", "sessions.", "auth.", "locale."):
        assert any(needed in name for name in settings.LEAN_MIDDLEWARE), needed
