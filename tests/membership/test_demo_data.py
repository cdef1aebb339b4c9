"""`make run` loads the demo on every start, whatever was changed in it through the site."""

import io
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone
from PIL import Image, ImageStat

from apps.conversations.models import Conversation, Message, Participant
from apps.feed.models import Comment, Like, Post, Tag
from apps.membership import demo_images
from apps.membership.demo import load_demo_data
from apps.social.models import Follow, Notification

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_loading_twice_changes_nothing():
    load_demo_data()
    counts = (User.objects.count(), Post.objects.count(), EmailAddress.objects.count(),
              Message.objects.count())  # fmt: skip
    load_demo_data()
    assert (User.objects.count(), Post.objects.count(), EmailAddress.objects.count(),
            Message.objects.count()) == counts  # fmt: skip


def test_renamed_readdressed_and_deleted_demo_members_and_posts_do_not_break_it():
    load_demo_data()
    alice = User.objects.get(username="alice")
    alice.username = "Alicia"
    alice.save()
    boris = User.objects.get(username="boris")
    boris.email = "boris.new@example.com"
    boris.save()
    EmailAddress.objects.filter(user=boris).update(email="boris.new@example.com")
    User.objects.get(username="chloe").delete()
    Post.objects.filter(title__startswith="Five books").delete()

    lines = load_demo_data()

    assert User.objects.filter(username="Alicia").exists()
    assert not User.objects.filter(username__iexact="alice").exists()  # she is still Alicia
    # boris kept his name; chloe is back with her address; nobody else gained a login.
    assert User.objects.get(email="chloe@example.com").username == "chloe"
    assert User.objects.filter(username="boris").count() == 1
    assert "Demo login: Alicia or alice@example.com / eternity-demo" in lines
    assert "Demo login: boris or boris.new@example.com / eternity-demo" in lines


def test_a_demo_address_taken_by_someone_else_is_left_to_them():
    load_demo_data()
    User.objects.get(username="chloe").delete()
    someone = User.objects.create_user("someone", "chloe@example.com", "x" * 20)
    EmailAddress.objects.create(user=someone, email="chloe@example.com", verified=True,
                                primary=True)  # fmt: skip
    call_command("demo_data", without_debug=True, stdout=io.StringIO())
    assert not User.objects.filter(username="chloe").exists()


def test_the_demo_is_refused_where_debug_is_off():
    with pytest.raises(CommandError, match="refusing"):
        call_command("demo_data", stdout=io.StringIO())
    assert not User.objects.exists()


def test_the_demo_has_a_moderator_to_try_the_moderation_pages(client):
    load_demo_data()
    client.force_login(User.objects.get(username="chloe"))
    assert client.get("/moderation/").status_code == 200
    client.force_login(User.objects.get(username="alice"))
    assert client.get("/moderation/").status_code == 403


def test_the_demo_reads_like_weeks_of_use_not_one_second():
    load_demo_data()
    now = timezone.now()
    posts = list(Post.objects.all())
    created = sorted(post.created for post in posts)
    assert created[-1] - created[0] > timedelta(days=14)
    assert len({moment.date() for moment in created}) >= 10  # "2 days ago", "Nov 20", …
    assert all(moment < now for moment in created)
    comments = Comment.objects.select_related("post", "parent")
    assert comments.count() >= 20
    assert comments.filter(parent__isnull=False).count() >= 8
    # Every comment comes after its post, every reply after the comment it answers.
    for comment in comments:
        assert comment.post.created < comment.created < now
        assert comment.parent is None or comment.parent.created < comment.created
    assert Like.objects.count() >= 20
    assert all(like.post.created < like.created < now for like in Like.objects.all())
    assert Follow.objects.count() >= 10
    assert len({follow.created.date() for follow in Follow.objects.all()}) >= 10
    # What members were told is dated with what told them, not with the load.
    told = Notification.objects.values_list("created", flat=True)
    assert told.count() >= 50
    assert min(told) < now - timedelta(days=7)
    # Members came back since: what they were told days ago is read, the latest is new.
    assert not Notification.objects.filter(created__lt=now - timedelta(days=4), read=False)
    assert Notification.objects.filter(read=False).exists()


def test_the_demo_has_six_members_with_photos_and_varied_tags():
    load_demo_data()
    members = User.objects.filter(username__in=["alice", "boris", "chloe", "dmitri", "emma",
                                                "femi"])  # fmt: skip
    assert members.count() == 6
    assert all(member.profile.photo and member.profile.bio for member in members)
    assert Tag.objects.filter(posts__isnull=False).distinct().count() >= 8


def looks_like_a_photograph(field) -> None:
    """A real JPEG with the tones of a photograph: many colours, light and shade, not one
    flat gradient (whose every row is a single colour)."""
    with field.open("rb") as file:
        data = file.read()
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    image = image.convert("RGB")
    small = image.resize((image.width // 4, image.height // 4))
    assert len(small.getcolors(small.width * small.height)) > 2000
    assert min(ImageStat.Stat(image).stddev) > 12
    # Across a row the picture changes (a gradient's rows are each one colour).
    rows = [image.crop((0, y, image.width, y + 1)) for y in range(0, image.height, 40)]
    assert max(max(ImageStat.Stat(row).stddev) for row in rows) > 4


def test_demo_pictures_look_like_photographs():
    load_demo_data()
    posts = Post.objects.exclude(image="")
    assert posts.count() >= 6
    for post in posts:
        looks_like_a_photograph(post.image)
        assert post.image_alt  # described for people who cannot see it
    for member in User.objects.select_related("profile"):
        looks_like_a_photograph(member.profile.photo)


def test_demo_pictures_are_the_same_every_time_and_drawn_once_per_process():
    first = demo_images.landscape(1, demo_images.DAWN)
    assert demo_images.landscape(1, demo_images.DAWN) is first  # kept: a second load is quick
    demo_images.landscape.cache_clear()
    assert demo_images.landscape(1, demo_images.DAWN) == first  # seeded: stable screenshots
    assert demo_images.landscape(2, demo_images.DAWN) != first


def test_the_demo_has_days_of_conversations_with_something_new_for_alice():
    load_demo_data()
    now = timezone.now()
    alice = User.objects.get(username="alice")
    assert Conversation.objects.count() == 4
    assert Conversation.objects.filter(is_group=True, title="Saturday walk").exists()
    sent = sorted(Message.objects.values_list("created", flat=True))
    assert now - timedelta(days=6) < sent[0]
    assert sent[-1] < now
    assert len({moment.date() for moment in sent}) >= 4
    # Each conversation is dated with its newest message, in every member's list too.
    for conversation in Conversation.objects.all():
        newest = conversation.messages.latest("created")
        assert conversation.last_message_id == newest.pk
        assert conversation.last_message_at == newest.created
        assert {p.sorted_at for p in conversation.participants.all()} == {newest.created}
    mine = Participant.objects.filter(user=alice).select_related("conversation")
    unread = [p for p in mine if p.last_read_id < p.conversation.last_message_id]
    assert len(unread) == 3
    # Dmitri, whom she does not follow, waits in her Requests; she read everything else.
    (request,) = mine.filter(accepted=False)
    assert request.conversation.messages.get().sender.username == "dmitri"
    read = [p for p in mine if p.last_read_id]
    assert all(p.last_read_at <= now for p in read)
    # Her bell says so too: new messages in the two she has not read, dated when they came.
    told = Notification.objects.filter(recipient=alice, kind="message", read=False)
    assert len({line.about for line in told}) == 2
    assert all(line.created < now - timedelta(minutes=10) for line in told)
