"""Demo content for local development (`make run`). Every step is idempotent."""

import io

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from PIL import Image, ImageDraw

from apps.feed import selectors as feed_selectors
from apps.feed import services as feed
from apps.moderation.apps import MODERATORS
from apps.profiles import services as profiles
from apps.social import services as social

DEMO_PASSWORD = "eternity-demo"  # noqa: S105 (documented demo login, local only)
DEMO_USERS = [
    ("alice", "Alice", "Liddell", "Curious about everything.\nWriting about books and tea."),
    ("boris", "Boris", "Pasternak", "Poems, gardens, long walks."),
    ("chloe", "Chloe", "Moreau", "Photographer. Mostly film, sometimes pixels."),
]
DEMO_POSTS = [
    ("chloe", "Morning light over the bay", "#photography #travel",
     "Got up at five for this one. The fog lifted just as the sun came over the hills.\n\n"
     "Shot on a 35 mm lens, no filters.", ((255, 183, 94), (86, 133, 196))),
    ("boris", "The garden in November", "#garden, poems",
     "Everything is bare now, and that is when you can see the shape of things.\n"
     "The roses will be back. The apple tree keeps a few stubborn leaves.", None),
    ("alice", "Five books for a rainy week", "#books #tea",
     "1. The Master and Margarita\n2. Alice's Adventures in Wonderland\n3. Pnin\n"
     "4. The Left Hand of Darkness\n5. A Wizard of Earthsea\n\n"
     "More at https://www.gutenberg.org if you like old books.", None),
    ("chloe", "Film versus digital, again", "#photography",
     "People ask which is better. Neither: they are different ways of paying attention.",
     ((40, 40, 60), (200, 200, 220))),
    ("alice", "Tea of the month: smoky lapsang", "#tea",
     "Like a campfire in a cup. Not for everyone, which is exactly why I love it.",
     ((120, 60, 30), (230, 190, 120))),
]  # fmt: skip


def gradient(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> bytes:
    image = Image.new("RGB", (1200, 675), top)
    draw = ImageDraw.Draw(image)
    for y in range(675):
        mix = y / 674
        colour = tuple(round(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (1199, y)], fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


# A demo moderator, to try /moderation/ (the group is made by moderation's post-migrate step).
DEMO_MODERATOR = "chloe"
DEMO_FOLLOWS = [("alice", "boris"), ("alice", "chloe"), ("boris", "alice"), ("chloe", "alice")]


def _demo_member(username: str, email: str):
    """The demo member, found by their username or their address, whichever they kept."""
    users = get_user_model().objects
    return (
        users.filter(username__iexact=username).first()
        or users.filter(email__iexact=email).first()
        or users.filter(emailaddress__email__iexact=email).first()
    )


def load_demo_data() -> list[str]:
    """Create what is missing of the demo members and posts; return what to tell the
    developer. Whatever was changed through the site since (names, addresses, posts, whole
    members) is kept as it is: the demo is topped up, never reset (that is `make reset`)."""
    users = {}
    lines = []
    for username, first, last, bio in DEMO_USERS:
        email = f"{username}@example.com"
        user = _demo_member(username, email)
        if user is None:
            user = get_user_model().objects.create_user(
                username, email, DEMO_PASSWORD, first_name=first, last_name=last
            )
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            profiles.update_profile(user=user, tokens={}, profile_fields={"bio": bio})
        users[username] = user
        lines.append(f"Demo login: {user.username} or {user.email} / {DEMO_PASSWORD}")
    moderators = Group.objects.filter(name=MODERATORS).first()
    if moderators is not None:
        moderators.user_set.add(users[DEMO_MODERATOR])
        lines.append(f"Demo moderator: {users[DEMO_MODERATOR].username} (/moderation/)")
    if not feed_selectors.has_posts_by(authors=list(users.values())):
        for username, title, tags, text, colours in DEMO_POSTS:
            post = feed.create_post(
                author=users[username],
                title=title,
                text=text,
                tags=feed.parse_tags(tags),
                image=gradient(*colours) if colours else None,
            )
            for liker in users.values():
                if liker != post.author:
                    feed.set_like(user=liker, post=post, liked=True)
            first = feed.create_comment(author=users["alice"], post=post, text="Love this!")
            feed.create_comment(author=users["boris"], post=post, text="Same here.", parent=first)
        for follower, followee in DEMO_FOLLOWS:
            social.follow(follower=users[follower], followee=users[followee])
        feed.create_comment(
            author=users["boris"],
            post=feed_selectors.get_post(pk=post.pk, viewer=users["boris"]),
            text="@chloe, you would love this one.",
        )
        lines.append(
            f"Demo posts: {len(DEMO_POSTS)} with tags, images, likes, comments, follows and "
            "notifications."
        )
    return lines
