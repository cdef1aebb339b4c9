"""The conversation list's queries on PostgreSQL:
`DATABASE_URL=postgres://… python bench/explain_conversations.py [conversations] [others]`.

In a database of its own it makes a reader in `conversations` conversations (2,000 by default;
one in ten a group of four, one in eight waiting in their Requests, a few hidden or left) among
`others` more conversations between other members (20,000 by default), each with a few
messages, some unread; then prints EXPLAIN (ANALYZE, BUFFERS) of the reader's first page of
the Inbox and the next, and of the Requests count.
"""

import os
import random
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import site_env  # noqa: E402
from tests.servers import own_database  # noqa: E402

MEMBERS = 3_000
MESSAGES_PER_CONVERSATION = 4


def main(conversations: int = 2_000, others: int = 20_000) -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server.")
    with tempfile.TemporaryDirectory() as media, own_database(Path(media)) as url:
        os.environ.update(site_env(url, media))
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        reader = build(conversations, others)
        explain_list(reader)


def build(mine: int, others: int):
    """The dataset; returns the reader."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from apps.conversations.models import Conversation, Message, Participant

    rng = random.Random(35)
    User = get_user_model()
    reader = User.objects.create(username="reader")
    members = User.objects.bulk_create(User(username=f"member{n}") for n in range(MEMBERS))
    now = timezone.now()
    plans = []  # (people, is_group); the reader's first
    partners = iter(rng.sample(members, len(members)))  # each pair once
    pairs = set()
    for n in range(mine + others):
        group = n % 10 == 0
        if n < mine:
            people = [reader, *rng.sample(members, 3)] if group else [reader, next(partners)]
        else:
            people = rng.sample(members, 4 if group else 2)
            while not group and frozenset(people) in pairs:
                people = rng.sample(members, 2)
            pairs.add(frozenset(people))
        plans.append((people, group))
    conversations = Conversation.objects.bulk_create(
        Conversation(
            is_group=group,
            starter=people[0],
            pair=None if group else ":".join(str(i) for i in sorted(p.pk for p in people)),
            created=now - timedelta(days=60),
        )
        for people, group in plans
    )
    messages = []
    for conversation, (people, _group) in zip(conversations, plans, strict=True):
        start = now - timedelta(minutes=rng.randrange(60 * 24 * 60))
        for k in range(MESSAGES_PER_CONVERSATION):
            messages.append(
                Message(
                    conversation=conversation,
                    sender=rng.choice(people),
                    text=f"Message {k}",
                    created=start + timedelta(minutes=k),
                )
            )
    messages = Message.objects.bulk_create(messages, batch_size=5000)
    newest = {}
    for message in messages:
        newest[message.conversation_id] = message
    for conversation in conversations:
        last = newest[conversation.pk]
        conversation.last_message_id, conversation.last_message_at = last.pk, last.created
    Conversation.objects.bulk_update(
        conversations, ["last_message_id", "last_message_at"], batch_size=5000
    )
    participants = []
    for conversation, (people, _group) in zip(conversations, plans, strict=True):
        last = newest[conversation.pk]
        for person in people:
            unread = rng.randrange(MESSAGES_PER_CONVERSATION)
            row = Participant(conversation=conversation, user=person, sorted_at=last.created,
                              last_read_id=last.pk - unread)  # fmt: skip
            if person == reader:
                fate = rng.randrange(100)
                row.accepted = fate >= 12
                if fate in (95, 96):
                    row.cleared_id = last.pk  # hidden
                if fate == 97 and conversation.is_group:
                    row.left = now
            participants.append(row)
    Participant.objects.bulk_create(participants, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"{Conversation.objects.count():,} conversations, {Message.objects.count():,} messages, "
          f"{Participant.objects.count():,} memberships; the reader is in "
          f"{Participant.objects.filter(user=reader).count():,} of them.")  # fmt: skip
    return reader


def explain_list(reader) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.conversations import selectors

    cursor = None
    for title in ("Inbox, first page", "Inbox, second page"):
        with CaptureQueriesContext(connection) as queries:
            page = selectors.conversation_page(reader, cursor=cursor)
        # The page's memberships, then the other members of those conversations.
        listing, others = (q["sql"] for q in queries if "conversations_participant" in q["sql"])
        show(title, listing)
        show(f"{title}: the other members", others)
        cursor = page.next_cursor
    with CaptureQueriesContext(connection) as queries:
        selectors.requests_count(reader)
    show("Requests count", queries[-1]["sql"])


def show(title: str, query: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}")
        plan = "\n".join(line for (line,) in cursor.fetchall())
    print(f"\n== {title}\n{plan}", flush=True)


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:]))
