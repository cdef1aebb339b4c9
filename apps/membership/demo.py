"""Demo content for local development (`make run`). Every step is idempotent.

It reads like a small community a few weeks old: six members with photos, posts spread over
the past four weeks (some with photographs drawn by demo_images), comments and replies, likes
and follows, each dated after what it answers. The same on every run (seeded), so
screenshots only change when the demo does."""

import random
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone

from apps.conversations import selectors as conversation_selectors
from apps.conversations import services as conversations
from apps.feed import selectors as feed_selectors
from apps.feed import services as feed
from apps.moderation.apps import MODERATORS
from apps.profiles import services as profiles
from apps.social import services as social

from . import demo_images as pictures

DEMO_PASSWORD = "eternity-demo"  # noqa: S105 (documented demo login, local only)
# username, first and last name, bio, and their portrait's backdrop, skin and clothes.
DEMO_USERS = [
    ("alice", "Alice", "Liddell", "Curious about everything.\nWriting about books and tea.",
     ((196, 170, 120), (238, 196, 170), (70, 110, 160))),
    ("boris", "Boris", "Pasternak", "Poems, gardens, long walks.",
     ((120, 150, 110), (222, 180, 150), (90, 70, 60))),
    ("chloe", "Chloe", "Moreau", "Photographer. Mostly film, sometimes pixels.",
     ((90, 140, 170), (200, 150, 120), (40, 40, 50))),
    ("dmitri", "Dmitri", "Sokolov", "Ridges, maps and bad puns. Usually somewhere above 2000 m.",
     ((150, 170, 190), (230, 190, 160), (160, 60, 50))),
    ("emma", "Emma", "Lindqvist", "Baker. Sourdough is a personality.",
     ((210, 160, 130), (245, 210, 190), (200, 190, 170))),
    ("femi", "Femi", "Adeyemi", "Night skies and long exposures. Mostly awake at 2 a.m.",
     ((60, 70, 110), (140, 95, 70), (30, 90, 90))),
]  # fmt: skip
# A demo moderator, to try /moderation/ (the group is made by moderation's post-migrate step).
DEMO_MODERATOR = "chloe"

LANDSCAPES = {
    "dawn": pictures.DAWN, "dusk": pictures.DUSK, "noon": pictures.NOON,
    "night": pictures.NIGHT, "mist": pictures.MIST,
}  # fmt: skip
WARM_LIGHTS = ((255, 186, 104), (34, 26, 18))
CITY_LIGHTS = ((140, 190, 255), (14, 20, 36))

# Oldest first: (days and hours ago, author, title, tags, text, picture, its description,
# comments). A picture is ("landscape", seed, light) or ("lights", seed, colours); a comment
# is (author, text, replies), a reply (author, text).
DEMO_POSTS = [
    ((25, 3), "boris", "The garden in November", "#garden, poems",
     "Everything is bare now, and that is when you can see the shape of things.\n"
     "The roses will be back. The apple tree keeps a few stubborn leaves.", None, "",
     [("emma", "The apple tree sounds like someone I know.", [("boris", "It does, doesn't it?")]),
      ("alice", "Bare branches are my favourite kind of drawing.", [])]),
    ((22, 6), "alice", "Five books for a rainy week", "#books #tea",
     "1. The Master and Margarita\n2. Alice's Adventures in Wonderland\n3. Pnin\n"
     "4. The Left Hand of Darkness\n5. A Wizard of Earthsea\n\n"
     "More at https://www.gutenberg.org if you like old books.", None, "",
     [("boris", "Pnin! Nobody ever picks Pnin.", [("alice", "Which is exactly why.")]),
      ("femi", "Earthsea on a rainy night is perfect.", []),
      ("dmitri", "Adding the Le Guin to the pile by my bed.", [])]),
    ((19, 8), "dmitri", "Ridge walk above the clouds", "#hiking #travel",
     "Left the hut at four. By six we were above the inversion and the valley was a sea of "
     "cloud. Legs are still complaining.", ("landscape", 3, "mist"),
     "Pale mountain ridges rising out of a misty valley above a still lake",
     [("chloe", "That haze! Which lens?", [("dmitri", "Just my phone, honestly.")]),
      ("emma", "Bringing you a cinnamon bun for the legs.", [])]),
    ((16, 2), "chloe", "Film versus digital, again", "#photography",
     "People ask which is better. Neither: they are different ways of paying attention.",
     ("lights", 11, "city"), "Blurred city lights at night, blue and white discs",
     [("femi", "Different ways of paying attention. Stealing that.", []),
      ("boris", "Same as pen and keyboard.", [("chloe", "Exactly that.")])]),
    ((12, 5), "emma", "Sourdough, week six", "#baking",
     "The starter is called Gerald. Gerald is finally pulling his weight: open crumb, a crust "
     "that sings when it cools.", None, "",
     [("alice", "Hello, Gerald.", [("emma", "He says hello back.")]),
      ("dmitri", "Do you ship to mountain huts?", [])]),
    ((9, 21), "femi", "Stars over the lake, 2 a.m.", "#astronomy #photography",
     "Thirty seconds at f/2.8. The lake was so still it took the stars twice.",
     ("landscape", 6, "night"), "A starry night sky over dark hills and a lake",
     [("chloe", "Gorgeous. How cold was it?", [("femi", "Cold enough for two hats.")]),
      ("alice", "I would fall asleep in the car.", [])]),
    ((6, 7), "boris", "A short poem for a grey morning", "#poems",
     "The kettle knows before I do\nthat the day has started.\nThe window keeps its grey.\n"
     "The tea does not mind.", None, "",
     [("alice", "The tea does not mind. Perfect.", []),
      ("emma", "Reading this with a cup, as instructed.", [])]),
    ((4, 4), "alice", "Tea of the month: smoky lapsang", "#tea",
     "Like a campfire in a cup. Not for everyone, which is exactly why I love it.",
     ("lights", 7, "warm"), "Warm out-of-focus lights in a café window",
     [("boris", "A campfire in a cup is the nicest kind of campfire.", []),
      ("femi", "Too smoky for me, but I love the photo.", [("alice", "Fair. More for me.")])]),
    ((3, 2), "dmitri", "Maps I keep coming back to", "#maps #travel",
     "Old survey sheets of the Caucasus, the 1:25 000 Alpine club maps, and a hand-drawn one "
     "of my grandmother's village that gets every distance wrong and every house right.",
     None, "",
     [("boris", "The grandmother's map is the real one.", [])]),
    ((2, 9), "chloe", "Golden hour at the reservoir", "#photography #travel",
     "Twenty minutes of light, then the wind came up and the reflections were gone.",
     ("landscape", 2, "dusk"), "Mountains and pines at dusk mirrored in a reservoir",
     [("dmitri", "Those pines! Which side of the reservoir?", [("chloe", "The north shore.")]),
      ("emma", "This is going on my wall.", [])]),
    ((1, 2), "emma", "Cinnamon buns, by request", "#baking",
     "Cardamom in the dough, a little salt in the butter, and a rest in the fridge overnight. "
     "Recipe in the comments if you want it.", None, "",
     [("dmitri", "I want it.", [("emma", "On its way. Bring the hut a tray.")]),
      ("alice", "Cardamom is the secret to everything.", [])]),
    ((0, 5), "alice", "Reading at the lake house", "#books #travel",
     "A week without the internet: four books, one lake, far too many biscuits.",
     ("landscape", 4, "noon"), "A blue lake under a summer sky with green hills and pines",
     [("chloe", "Which four?", [("alice", "A list is coming, as always.")])]),
    ((0, 0.7), "chloe", "Morning light over the bay", "#photography #travel",
     "Got up at five for this one. The fog lifted just as the sun came over the hills.\n\n"
     "Shot on a 35 mm lens, no filters.", ("landscape", 1, "dawn"),
     "The sun rising over misty hills, mirrored in a calm bay",
     [("alice", "Worth the five a.m., clearly.", []),
      ("boris", "@femi, you would love this one.", [])]),
]  # fmt: skip
# Who follows whom: the three first members follow each other, the others find their way.
DEMO_FOLLOWS = [
    ("alice", "boris"), ("alice", "chloe"), ("boris", "alice"), ("chloe", "alice"),
    ("chloe", "femi"), ("femi", "chloe"), ("dmitri", "chloe"), ("emma", "alice"),
    ("emma", "boris"), ("alice", "emma"), ("dmitri", "emma"), ("femi", "dmitri"),
    ("boris", "emma"), ("chloe", "dmitri"), ("alice", "femi"),
]  # fmt: skip

# Conversations, oldest first: (the members, the starter first; a group's name, "" for two;
# the messages as (days and hours ago, sender, text); the members who have not read the last
# one). Alice has two unread, and one request: she does not follow Dmitri.
DEMO_CONVERSATIONS = [
    (("chloe", "alice"), "", [
        ((5, 3), "chloe", "Would you like a print of the lake photo? I have a spare one."),
        ((5, 2.5), "alice", "I would love one! Matte, if you have it."),
        ((5, 1), "chloe", "Matte it is. It goes in the post on Monday."),
        ((3, 1), "alice", "It arrived! It is already framed above my desk. Thank you."),
        ((2, 20), "chloe", "That makes me very happy."),
    ], ()),
    (("dmitri", "alice", "emma"), "Saturday walk", [
        ((1, 6), "dmitri", "Saturday: the ridge path, if the weather holds. Who is in?"),
        ((1, 5.5), "emma", "In! Cinnamon buns for the top, as promised."),
        ((1, 4), "alice", "In, with a flask of lapsang. What time at the station?"),
        ((1, 3.5), "dmitri", "Eight sharp. Boots, not trainers, please."),
        ((0, 2), "emma", "Sun until three, says the forecast. The buns are proving."),
    ], ("alice",)),
    (("alice", "boris"), "", [
        ((2, 5), "alice", "Boris, your grey-morning poem has been on my fridge all week."),
        ((2, 4.8), "boris", "On a fridge! That is the highest honour a poem can have."),
        ((2, 4.5), "alice", "Are you still reading at the library on Friday?"),
        ((1, 20), "boris", "Yes, at seven. Bring a poem of your own, and the lapsang."),
        ((0, 1), "alice", "I will. It is about a kettle, I am afraid."),
        ((0, 0.3), "boris", "The best poems are. I saved you a seat in the front row."),
    ], ("alice",)),
    (("dmitri", "alice"), "", [
        ((0, 3), "dmitri", "Hi Alice! Emma says you know every second-hand bookshop in town. "
                           "Any of them keep old maps?"),
    ], ("alice",)),
]  # fmt: skip


def _demo_member(username: str, email: str):
    """The demo member, found by their username or their address, whichever they kept."""
    users = get_user_model().objects
    return (
        users.filter(username__iexact=username).first()
        or users.filter(email__iexact=email).first()
        or users.filter(emailaddress__email__iexact=email).first()
    )


def _picture(kind: str, seed: int, light: str) -> bytes:
    if kind == "landscape":
        return pictures.landscape(seed, LANDSCAPES[light])
    return pictures.bokeh(seed, *(WARM_LIGHTS if light == "warm" else CITY_LIGHTS))


def load_demo_data() -> list[str]:
    """Create what is missing of the demo members and posts; return what to tell the
    developer. Whatever was changed through the site since (names, addresses, posts, whole
    members) is kept as it is: the demo is topped up, never reset (that is `make reset`)."""
    users = {}
    lines = []
    password = None  # hashed once, if needed: each hash takes a good second
    for seed, (username, first, last, bio, colours) in enumerate(DEMO_USERS):
        email = f"{username}@example.com"
        user = _demo_member(username, email)
        if user is None:
            user = get_user_model().objects.create_user(
                username, email, first_name=first, last_name=last, password=None
            )
            password = password or make_password(DEMO_PASSWORD)
            user.password = password
            user.save(update_fields=["password"])
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            photo = profiles.PhotoChange(pictures.portrait(seed, *colours))
            profiles.update_profile(user=user, tokens={}, profile_fields={"bio": bio},
                                    photo=photo)  # fmt: skip
        users[username] = user
        lines.append(f"Demo login: {user.username} or {user.email} / {DEMO_PASSWORD}")
    moderators = Group.objects.filter(name=MODERATORS).first()
    if moderators is not None:
        moderators.user_set.add(users[DEMO_MODERATOR])
        lines.append(f"Demo moderator: {users[DEMO_MODERATOR].username} (/moderation/)")
    if not feed_selectors.has_posts_by(authors=list(users.values())):
        counts = _posts(users, timezone.now())
        lines.append(
            "Demo posts: {} over the past four weeks, with photos, {} comments, {} likes and "
            "{} follows.".format(*counts)
        )
    if not conversation_selectors.has_conversations_of(members=list(users.values())):
        count = _conversations(users, timezone.now())
        lines.append(f"Demo conversations: {count}, for alice at /messages/.")
    return lines


def _conversations(users: dict, now: datetime) -> int:
    """The conversations, each message sent by its sender and dated as if written over the
    past days, and read by the others as it came (its line in their bell with it), but the
    last by those still to read it; return how many."""
    sent = {}
    for members, title, said, unread in DEMO_CONVERSATIONS:
        starter, others = users[members[0]], [users[name] for name in members[1:]]
        conversation = None
        for number, ((days, hours), sender, text) in enumerate(said, start=1):
            if conversation is None:
                message = conversations.start_conversation(
                    starter=starter, members=others, text=text, title=title
                )
                conversation = message.conversation
            else:
                message = conversations.send_message(
                    sender=users[sender], conversation=conversation, text=text
                )
            sent[message] = now - timedelta(days=days, hours=hours)
            readers = [name for name in members if name != sender]
            if number == len(said):
                readers = [name for name in readers if name not in unread]
            for name in readers:
                conversations.mark_read(user=users[name], conversation=conversation,
                                        up_to=message.pk)  # fmt: skip
    conversations.backdate(messages=sent)
    return len(DEMO_CONVERSATIONS)


def _posts(users: dict, now: datetime) -> tuple[int, int, int, int]:
    """The posts with their comments and likes, and the follows, each dated as if made over
    the past weeks; return how many of each."""
    rng = random.Random(33)  # noqa: S311 (the same demo every time, not a secret)
    posts, comments, likes, follows = {}, {}, {}, {}
    for i, (follower, followee) in enumerate(DEMO_FOLLOWS):
        social.follow(follower=users[follower], followee=users[followee])
        follows[users[follower], users[followee]] = now - timedelta(days=27 - i, hours=i % 5)
    for (days, hours), author, title, tags, text, picture, alt, thread in DEMO_POSTS:
        at = now - timedelta(days=days, hours=hours, minutes=rng.randint(0, 59))
        post = feed.create_post(
            author=users[author], title=title, text=text, tags=feed.parse_tags(tags),
            image=_picture(*picture) if picture else None, image_alt=alt,
        )  # fmt: skip
        posts[post] = at
        # What answers the post comes within its first two days, never after now.
        window = min(now - at, timedelta(days=2)).total_seconds()
        moments = iter(sorted(at + timedelta(seconds=window * rng.uniform(0.05, 0.95))
                              for _ in range(12)))  # fmt: skip
        for commenter, said, replies in thread:
            first = feed.create_comment(author=users[commenter], post=post, text=said)
            comments[first] = next(moments)
            for replier, answer in replies:
                reply = feed.create_comment(author=users[replier], post=post, text=answer,
                                            parent=first)  # fmt: skip
                comments[reply] = next(moments)
        for member in users.values():
            if member.pk != post.author_id and rng.random() < 0.7:
                feed.set_like(user=member, post=post, liked=True)
                likes[member, post] = at + timedelta(seconds=window * rng.uniform(0.02, 1))
    feed.backdate(posts=posts, comments=comments, likes=likes)
    social.backdate_follows(when=follows)
    social.mark_read_before(moment=now - timedelta(days=3))  # the members did come back
    return len(posts), len(comments), len(likes), len(follows)
