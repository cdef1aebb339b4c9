"""Removals that really remove: a removed post's image and a suspended member's images leave
the public media folder, so their addresses answer 404 to everyone else, while the author
and moderators still see them through the authorised view, never cached. And what the
moderators' queue shows of a reported thing: its image, and its author's record."""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.storage import FileSystemStorage
from django.template import Context, Template
from django.test import Client

from apps.feed import services as feed
from apps.membership.services import delete_account
from apps.moderation.models import Action, AuditEntry, Report
from apps.moderation.tasks import place_moderated_images
from apps.profiles import services as profiles
from apps.profiles.models import Profile
from tests.factories import PostFactory, UserFactory
from tests.images import image_bytes
from tests.moderation.decisions import act, log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob():
    return UserFactory(username="bob")


@pytest.fixture
def alice():
    return UserFactory(username="alice")


@pytest.fixture
def mod():
    moderator = UserFactory(username="mod")
    moderator.groups.add(Group.objects.get(name="moderator"))
    return moderator


@pytest.fixture
def post(bob):
    return feed.create_post(author=bob, title="Look at this", text="An offensive picture",
                            tags=[], image=image_bytes(size=(120, 80)),
                            image_alt="A rude gesture")  # fmt: skip


@pytest.fixture
def photo(bob):
    """Bob's profile photo (and its thumbnail), through the photo pipeline."""
    return profiles.update_profile(
        user=bob, tokens={}, photo=profiles.PhotoChange(image_bytes(size=(200, 200)))
    )


def url(name: str) -> str:
    return f"/media/{name}"


def moderated_url(name: str) -> str:
    return f"/moderation/media/{name}"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- A removed post's image ------------------------------------------------------------------


def test_a_removed_posts_image_is_a_404_for_others_at_once(
    alice, mod, post, django_capture_on_commit_callbacks
):
    public = post.image.name
    original = post.image.read()
    assert Client().get(url(public)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert act(log_in("mod"), "post", post.pk, "remove").status_code == 302
    post.refresh_from_db()
    assert post.image.name.startswith(f"moderated/{post.author_id}/posts/")
    for someone in (Client(), log_in("alice")):
        assert someone.get(url(public)).status_code == 404
        assert someone.get(url(post.image.name)).status_code == 404
        assert someone.get(moderated_url(post.image.name)).status_code == 404
    for allowed in ("bob", "mod"):
        response = log_in(allowed).get(moderated_url(post.image.name))
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        assert response["Content-Type"] == "image/jpeg"
        assert body(response) == original


def test_the_author_still_sees_the_image_on_their_removed_post(
    mod, post, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        act(log_in("mod"), "post", post.pk, "remove")
    post.refresh_from_db()
    html = log_in("bob").get(post.get_absolute_url()).content.decode()
    assert "Only you can see it" in html
    assert f'src="{moderated_url(post.image.name)}"' in html
    assert 'alt="A rude gesture"' in html


def test_the_moderated_view_serves_only_names_the_move_made(mod, post, media_root):
    stray = Path(media_root) / "moderated" / "notes.txt"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_text("private")
    client = log_in("mod")
    for name in ("moderated/notes.txt", f"moderated/1/posts/../../{post.image.name}",
                 post.image.name, "moderated/1/posts/0123456789abcdef.jpg"):  # fmt: skip
        assert client.get(moderated_url(name)).status_code == 404


def test_nothing_under_the_moderated_prefix_is_served_as_public_media(client, media_root):
    data = image_bytes()
    # Nor under the private one, a conversation's images (apps.conversations serves them).
    names = ("moderated/abcdef.jpg", "moderated/7/posts/abcdef.jpg", "private/abcdef.jpg",
             "private/messages/3/abcdef.jpg")  # fmt: skip
    for name in names:
        path = Path(media_root) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        assert client.get(url(name)).status_code == 404


def test_public_media_are_cached_for_a_day_not_a_year(client, post):
    response = client.get(url(post.image.name))
    assert response["Cache-Control"] == "public, max-age=86400"


# --- A suspended member's images -------------------------------------------------------------


def test_a_suspended_members_post_image_and_photo_leave_public_view_and_come_back(
    alice, mod, post, photo, django_capture_on_commit_callbacks
):
    public = [post.image.name, photo.photo.name, photo.photo_thumbnail.name]
    Report.objects.create(reporter=alice, post=post, reason="abuse")
    client = log_in("mod")
    with django_capture_on_commit_callbacks(execute=True):
        assert act(client, "post", post.pk, "suspend").status_code == 302
    post.refresh_from_db()
    photo.refresh_from_db()
    hidden = [post.image.name, photo.photo.name, photo.photo_thumbnail.name]
    assert all(name.startswith(f"moderated/{post.author_id}/") for name in hidden)
    for name in public:
        assert Client().get(url(name)).status_code == 404
        assert log_in("alice").get(url(name)).status_code == 404
    for name in hidden:
        assert log_in("alice").get(moderated_url(name)).status_code == 404
        assert client.get(moderated_url(name)).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/moderation/suspended/{post.author_id}/lift/", {"reason": "Appeal"})
    post.refresh_from_db()
    photo.refresh_from_db()
    back = [post.image.name, photo.photo.name, photo.photo_thumbnail.name]
    assert back[0].startswith("posts/")
    assert back[1].startswith("avatars/")
    assert re.fullmatch(r"avatars/[0-9a-f]{32}-96\.jpg", back[2])
    # New random names each way: an address that was public never works again.
    assert not {Path(name).name for name in public} & {Path(name).name for name in hidden}
    assert not set(public) & set(back)
    for name in back:
        assert Client().get(url(name)).status_code == 200
    for name in hidden:
        assert client.get(moderated_url(name)).status_code == 404
    assert f'src="{url(post.image.name)}"' in Client().get("/").content.decode()


def test_a_removed_post_stays_out_of_view_when_its_author_is_reinstated(
    alice, mod, bob, post, django_capture_on_commit_callbacks
):
    client = log_in("mod")
    with django_capture_on_commit_callbacks(execute=True):
        act(client, "post", post.pk, "remove")
        act(client, "profile", bob.pk, "suspend")
        client.post(f"/moderation/suspended/{bob.pk}/lift/", {"reason": "Appeal"})
    post.refresh_from_db()
    assert post.image.name.startswith(f"moderated/{bob.pk}/posts/")


def test_deleting_a_suspended_member_deletes_their_moderated_files_too(
    alice, mod, bob, post, photo, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        act(log_in("mod"), "profile", bob.pk, "suspend")
    assert [p for p in (Path(media_root) / "moderated").rglob("*") if p.is_file()]
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(user=bob)
    assert not [p for p in Path(media_root).rglob("*") if p.is_file()]


def test_a_suspended_members_avatar_shows_initials_not_a_dead_image(bob, photo):
    Profile.objects.filter(pk=photo.pk).update(photo_thumbnail=f"moderated/{bob.pk}/avatars/a.jpg")
    member = get_user_model().objects.select_related("profile").get(pk=bob.pk)
    html = Template("{% load profiles %}{% avatar user %}").render(Context({"user": member}))
    assert "<img" not in html
    assert "avatar-initials" in html


# --- When the storage fails ------------------------------------------------------------------


def test_a_storage_failure_keeps_the_removal_and_the_hourly_sweep_moves_it_later(
    mod, post, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    public = post.image.name

    def full_disk(self, name, content):
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(FileSystemStorage, "_save", full_disk)
        with django_capture_on_commit_callbacks(execute=True):
            response = act(log_in("mod"), "post", post.pk, "remove", reason="Gore")
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.removed is not None  # the decision stands
    assert AuditEntry.objects.get().reason == "Gore"
    assert post.image.name == public  # the file could not move: it is where the row says
    assert "Could not move the image" in caplog.text

    assert place_moderated_images.call() == "1 image file(s) moved"
    post.refresh_from_db()
    assert post.image.name.startswith("moderated/")
    assert Client().get(url(public)).status_code == 404


def test_a_copy_whose_original_cannot_be_deleted_is_undone(
    mod, post, media_root, monkeypatch, django_capture_on_commit_callbacks
):
    delete = FileSystemStorage.delete

    def refuse_the_original(self, name):
        if name == post.image.name:
            raise PermissionError(13, "Operation not permitted")
        delete(self, name)

    with monkeypatch.context() as patched:
        patched.setattr(FileSystemStorage, "delete", refuse_the_original)
        with django_capture_on_commit_callbacks(execute=True):
            act(log_in("mod"), "post", post.pk, "remove")
    post.refresh_from_db()
    assert post.removed is not None
    assert not post.image.name.startswith("moderated/")
    assert not [p for p in (Path(media_root) / "moderated").rglob("*") if p.is_file()]


# --- The queue -------------------------------------------------------------------------------


def test_the_queue_shows_a_reported_posts_image_and_a_reported_profiles_photo(
    alice, mod, post, photo
):
    Report.objects.create(reporter=alice, post=post, reason="sexual")
    Report.objects.create(reporter=alice, member=post.author, reason="abuse")
    html = log_in("mod").get("/moderation/").content.decode()
    assert re.search(rf'<img class="thing-thumbnail[^>]*src="{url(post.image.name)}"', html)
    assert 'alt="A rude gesture"' in html
    assert re.search(rf'src="{url(photo.photo_thumbnail.name)}"', html)
    assert 'alt="Profile photo of @bob"' in html


def test_the_queue_shows_an_image_already_out_of_view_through_the_authorised_view(
    alice, mod, bob, post, django_capture_on_commit_callbacks
):
    other = feed.create_post(author=bob, title="Another", text="More", tags=[],
                             image=image_bytes())  # fmt: skip
    Report.objects.create(reporter=alice, post=post, reason="abuse")
    Report.objects.create(reporter=alice, post=other, reason="abuse")
    client = log_in("mod")
    with django_capture_on_commit_callbacks(execute=True):
        act(client, "post", post.pk, "suspend")
    other.refresh_from_db()
    html = client.get("/moderation/").content.decode()
    assert "Author suspended" in html
    assert f'src="{moderated_url(other.image.name)}"' in html
    assert client.get(moderated_url(other.image.name)).status_code == 200


def test_the_queue_shows_the_authors_history_next_to_the_thing(alice, mod, bob, post):
    earlier = PostFactory(author=bob)
    Report.objects.create(reporter=alice, post=earlier, reason="spam", resolved=earlier.created,
                          resolution=Action.REMOVE)  # fmt: skip
    Report.objects.create(reporter=UserFactory(), member=bob, reason="spam")
    AuditEntry.objects.create(moderator=mod, moderator_name="mod", action=Action.REMOVE,
                              subject=bob, subject_name="bob", target="post",
                              reason="Spam")  # fmt: skip
    Report.objects.create(reporter=alice, post=post, reason="abuse")
    Report.objects.create(reporter=UserFactory(), post=post, reason="abuse")
    html = log_in("mod").get("/moderation/").content.decode()
    card = html.split(f'id="report-post-{post.pk}"')[1].split("</li>")[0]
    history = " ".join(card.split('data-history="bob"')[1].split("</p>")[0].split())
    assert "History of @bob:" in history
    assert "2 other reports · 1 removal · 0 suspensions" in history
    fresh = UserFactory(username="newcomer")
    Report.objects.create(reporter=alice, member=fresh, reason="other")
    html = log_in("mod").get("/moderation/").content.decode()
    assert "no other reports, removals or suspensions" in html


def test_the_queue_costs_the_same_queries_for_3_or_20_things_with_images_and_histories(
    mod, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    client = log_in("mod")
    reporter = UserFactory()

    def fill(n: int) -> None:
        for i in range(n):
            author = UserFactory()
            post = PostFactory(author=author, image=f"posts/{i:032x}.jpg", image_width=10,
                               image_height=10)  # fmt: skip
            Report.objects.create(reporter=reporter, post=post, reason="spam")
            Report.objects.create(reporter=reporter, member=author, reason="spam",
                                  resolved=post.created, resolution=Action.DISMISS)  # fmt: skip
            AuditEntry.objects.create(moderator=mod, moderator_name="mod", action=Action.SUSPEND,
                                      subject=author, subject_name=author.username,
                                      target="profile", reason="x")  # fmt: skip

    fill(3)
    with django_assert_max_num_queries(15) as few:
        html = client.get("/moderation/").content.decode()
    assert html.count('class="thing-thumbnail') == 3
    fill(17)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/moderation/").content.decode()
    assert html.count('class="thing-thumbnail') == 20
    assert " ".join(html.split()).count("1 other report · 0 removals · 1 suspension") == 20
