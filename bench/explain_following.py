"""The Following tab's query on PostgreSQL, as the plain query (before) and as the site runs
it, a few posts per member followed (after):
`DATABASE_URL=postgres://… python bench/explain_following.py [posts] [members]`.

It builds the benchmark's dataset with `posts` posts (20,000 by default, ten times the
benchmark's) written in turn by `members` members (120 by default, as the benchmark's) in a
database of its own, adds a reader who follows 60 of the members, spread evenly among them
(so their posts are spread through the feed too), and prints EXPLAIN (ANALYZE, BUFFERS) of
both forms of the reader's first page and the next.
"""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import site_env  # noqa: E402
from tests.servers import own_database  # noqa: E402

FOLLOWED = 60


def main(posts: int = 20_000, members: int = 120) -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL server: the LATERAL read is theirs.")
    with tempfile.TemporaryDirectory() as media, own_database(Path(media)) as url:
        os.environ.update(site_env(url, media))
        import django

        django.setup()
        from django.core.management import call_command

        from bench import dataset

        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        dataset.build(0, member_count=members, post_count=posts)
        explain_both()


def explain_both() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.core.db.paging import newest_first
    from apps.feed import selectors
    from apps.feed.models import Post
    from apps.social import selectors as social
    from apps.social.models import Follow

    User = get_user_model()
    members = list(User.objects.filter(username__startswith="member").order_by("pk"))
    reader = User.objects.create(username="reader")
    followed = members[:: len(members) // FOLLOWED][:FOLLOWED]
    Follow.objects.bulk_create(Follow(follower=reader, followee=member) for member in followed)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    written = Post.objects.filter(author__in=followed).count()
    print(f"{Post.objects.count():,} posts by {len(members):,} members; the reader follows "
          f"{len(followed)}, who wrote {written:,} of them.")  # fmt: skip
    cursor = None
    for page in ("first page", "second page"):
        before = (
            selectors.visible_posts(reader)
            .exclude(author_id__in=social.muted_ids(reader))
            .filter(author__follower_set__follower=reader)
        )
        with CaptureQueriesContext(connection) as queries:
            newest_first(before, cursor, selectors.PAGE_SIZE)
        show(f"Before, {page}", queries[0]["sql"])
        with CaptureQueriesContext(connection) as queries:
            after = selectors.page_of_posts(viewer=reader, cursor=cursor, following=True)
        show(f"After, {page}", next(q["sql"] for q in queries if "LATERAL" in q["sql"]))
        cursor = after.next_cursor


def show(title: str, query: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}")
        plan = "\n".join(line for (line,) in cursor.fetchall())
    print(f"\n== {title}\n{plan}", flush=True)


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:]))
