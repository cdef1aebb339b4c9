"""The benchmark's data, written straight into a fresh database (bulk inserts, not the
services: this is a fixture, not a feature), and the facts the benchmark needs about it.

Run inside the site's settings: `python manage.py shell -c "from bench.dataset import main;
main(...)"`; it prints one line of JSON.
"""

import io
import json
import random
from collections import Counter
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.crypto import get_random_string
from PIL import Image

MEMBERS = 120
POSTS = 2_000
BACKEND = "apps.accounts.backends.AuthenticationBackend"


def _image() -> tuple[str, int, int]:
    from apps.core.uploads import images
    from apps.feed.models import Post

    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1000), (90, 140, 200)).save(buffer, "JPEG")
    encoded = images.bounded_version(buffer.getvalue(), 1200)
    storage = Post._meta.get_field("image").storage
    return images.store(storage, "posts", encoded), encoded.width, encoded.height


def _session_data(user) -> dict[str, str]:
    return {
        SESSION_KEY: str(user.pk),
        BACKEND_SESSION_KEY: BACKEND,
        HASH_SESSION_KEY: user.get_session_auth_hash(),
    }


def build(viewers: int, member_count: int = MEMBERS, post_count: int = POSTS) -> dict[str, object]:
    """Write the dataset (its posts, with their likes, comments and tags, written by the
    members in turn), and return the facts the benchmark needs about it."""
    from django.contrib.auth import get_user_model

    from apps.feed.models import Comment, Like, Post, ReadPosition, Tag
    from apps.profiles.models import Profile
    from apps.social.models import Follow, Notification

    random.seed(42)
    User = get_user_model()
    now = timezone.now()
    password = make_password("bench-password-not-secret")
    members = User.objects.bulk_create(
        User(
            username=f"member{i}",
            email=f"member{i}@example.com",
            first_name="Member",
            last_name=f"Number {i}",
            password=password,
        )
        for i in range(member_count)
    )
    crowd = User.objects.bulk_create(
        User(username=f"viewer{i}", email=f"viewer{i}@example.com", password=password)
        for i in range(viewers)
    )
    Profile.objects.bulk_create(
        Profile(user=user, bio="Here for the benchmark.", last_seen=now - timedelta(hours=2))
        for user in members + crowd
    )
    tags = Tag.objects.bulk_create(Tag(name=f"topic{i}") for i in range(30))
    image, width, height = _image()
    text = (
        "A post long enough to look like one, with a link to https://example.com/page and a "
        "line break.\nThanks @member1 for the idea. " * 3
    )
    posts = Post.objects.bulk_create(
        Post(
            author=members[i % len(members)],
            title=f"Post number {i}",
            text=text,
            created=now - timedelta(minutes=i * 7),
            image=image if i % 5 == 0 else "",
            image_width=width if i % 5 == 0 else None,
            image_height=height if i % 5 == 0 else None,
            image_alt="A blue rectangle" if i % 5 == 0 else "",
        )
        for i in range(post_count)
    )
    Post.tags.through.objects.bulk_create(
        Post.tags.through(post=post, tag=tags[(post.pk + k) % len(tags)])
        for post in posts
        for k in range(2)
    )
    Post.mentions.through.objects.bulk_create(
        Post.mentions.through(post=post, user=members[1]) for post in posts
    )
    likes, comments = [], []
    for post in posts:
        for liker in random.sample(members, random.randint(0, 5)):
            likes.append(Like(user=liker, post=post))
        for k in range(3 if post.pk % 4 == 0 else 0):
            comments.append(
                Comment(
                    post=post,
                    author=members[(post.pk + k) % len(members)],
                    text="Nice one!",
                    created=post.created,
                )
            )
    Like.objects.bulk_create(likes)
    Comment.objects.bulk_create(comments)
    like_counts = Counter(like.post_id for like in likes)
    for post in posts:
        post.like_count = like_counts[post.pk]
        post.comment_count = 3 if post.pk % 4 == 0 else 0
    Post.objects.bulk_update(posts, ["like_count", "comment_count"], batch_size=500)

    reader = members[0]
    Follow.objects.bulk_create(Follow(follower=reader, followee=m) for m in members[1:61])
    from django.contrib.contenttypes.models import ContentType

    like_type = ContentType.objects.get_for_model(Like)
    Notification.objects.bulk_create(
        Notification(
            recipient=reader,
            actor_id=like.user_id,
            kind="like",
            target_type=like_type,
            target_id=like.pk,
            about=f"post:{like.post_id}",
        )
        for like in Like.objects.filter(post__author=reader).exclude(user=reader)[:40]
    )

    conversation, last_message = _conversation(reader, members[1], now)
    # The reader's feed page was loaded when post 40 was the newest: it is where they left off
    # on both tabs and the page's top, and the poll counts the 40 posts written since.
    left_off = posts[40]
    ReadPosition.objects.bulk_create(
        ReadPosition(user=reader, tab=tab, post_id=left_off.pk, post_created=left_off.created)
        for tab in ReadPosition.Tab.values
    )

    expire = now + timedelta(days=1)
    store = SessionStore()
    sessions = {user.pk: get_random_string(32, VALID_KEY_CHARS) for user in [reader, *crowd]}
    Session.objects.bulk_create(
        (
            Session(
                session_key=sessions[user.pk],
                expire_date=expire,
                session_data=store.encode(_session_data(user)),
            )
            for user in [reader, *crowd]
        ),
        batch_size=1000,
    )
    first_page = [post.author.username for post in posts[:10]]
    post = next(p for p in posts if p.pk % 4 == 0 and p.image)
    return {
        "reader_session": sessions[reader.pk],
        "viewer_sessions": [sessions[user.pk] for user in crowd],
        "poll_names": list(dict.fromkeys(first_page + [m.username for m in members[10:30]]))[:20],
        "tag": tags[0].name,
        "post": post.pk,
        "profile": members[3].username,
        "conversation": conversation.pk,
        "conversation_with": members[1].username,
        "last_message": last_message,
        "feed_top": left_off.pk,
    }


def _conversation(reader, other, now, count: int = 40) -> tuple[object, int]:
    """A conversation of two between the reader and `other`, `count` messages long, read to
    its end by both (the reader's open page, every message on it): return it and the id of
    its newest message."""
    from apps.conversations.models import Conversation, Message, Participant

    conversation = Conversation.objects.create(
        starter=reader, pair=f"{min(reader.pk, other.pk)}:{max(reader.pk, other.pk)}"
    )
    Message.objects.bulk_create(
        Message(
            conversation=conversation,
            sender=(reader, other)[i % 2],
            text=f"Message number {i}, with a link to https://example.com/{i}.",
            created=now - timedelta(minutes=count - i),
        )
        for i in range(count)
    )
    last = Message.objects.filter(conversation=conversation).latest("pk")
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message_id=last.pk, last_message_at=last.created
    )
    Participant.objects.bulk_create(
        Participant(
            conversation=conversation,
            user=user,
            last_read_id=last.pk,
            last_read_at=now,
            sorted_at=last.created,
        )
        for user in (reader, other)
    )
    return conversation, last.pk


def pages(facts: dict[str, object]) -> dict[str, tuple[str, bool, bool]]:
    """Each page the benchmark loads: its path, whether the reader is logged in, whether it
    is the page's htmx poll."""
    poll = "/presence/?" + urlencode(
        [("u", name) for name in facts["poll_names"]]
        + [("online", "1"), ("bell", "1"), ("feed", "following"), ("top", facts["feed_top"])]
    )
    # The conversation's page polls for its header's badge, the bar's counts and the
    # conversation from its newest message on (no Online now panel there).
    conversation = "/presence/?" + urlencode(
        [("u", facts["conversation_with"]), ("bell", "1"), ("c", facts["conversation"]),
         ("after", facts["last_message"])]
    )  # fmt: skip
    # The same page one message behind: the poll brings that message (and reads it again).
    behind = conversation.replace(f"after={facts['last_message']}",
                                  f"after={facts['last_message'] - 1}")  # fmt: skip
    return {
        "feed, logged in": ("/", True, False),
        "feed, anonymous": ("/", False, False),
        "tag page": (f"/tags/{facts['tag']}/", True, False),
        "profile page": (f"/u/{facts['profile']}/", True, False),
        "post page": (f"/posts/{facts['post']}/", True, False),
        "presence poll, 200": (poll, True, True),
        "presence poll, 304": (poll, True, True),
        "conversation poll, 200": (conversation, True, True),
        "conversation poll, 304": (conversation, True, True),
        "conversation poll, new": (behind, True, True),
        "healthz": ("/healthz/", False, False),
    }


def count_queries(facts: dict[str, object]) -> dict[str, int]:
    """How many queries each page runs, warm (after its once-a-minute writes)."""
    from django.conf import settings
    from django.db import connection

    counts = {}
    for name, (path, member, htmx) in pages(facts).items():
        client = Client(headers={"HX-Request": "true"} if htmx else {})
        if member:
            client.cookies[settings.SESSION_COOKIE_NAME] = facts["reader_session"]
        client.get(path)
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        counts[name] = len(captured)
    return counts


def main(viewers: int, out: str) -> None:
    facts = build(viewers)
    facts["pages"] = pages(facts)
    facts["queries"] = count_queries(facts)
    with open(out, "w") as file:
        json.dump(facts, file)
