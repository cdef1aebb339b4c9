"""Writing, editing and deleting posts; who may do what."""

import re
from pathlib import Path

import pytest
from django.test import Client

from apps.feed.models import Post
from tests.factories import PostFactory, UserFactory
from tests.images import image_bytes, noise_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(client):
    user = UserFactory(username="author")
    client.force_login(user)
    return user


def test_write_page_is_linked_from_the_navbar(client, author):
    html = client.get("/").content.decode()
    assert '<a class="nav-link" href="/posts/new/">Write</a>' in html
    assert re.search(
        r'class="btn btn-sm btn-primary ms-auto me-2 d-md-none"\s+href="/posts/new/"', html
    )


def test_publishing_a_post_with_tags_and_an_image(client, author):
    response = client.post("/posts/new/", {
        "title": "Trip", "text": "We went.\nIt rained.", "tags": "#Travel, rain  #travel",
        "image": upload(image_bytes("PNG", (2400, 1200)), "trip.png", "image/png"),
    }, follow=True)  # fmt: skip
    post = Post.objects.get()
    assert response.redirect_chain == [(f"/posts/{post.pk}/", 302)]
    assert "Your post is published." in response.content.decode()
    assert [t.name for t in post.tags.order_by("name")] == ["rain", "travel"]
    assert (post.image_width, post.image_height) == (1200, 600)
    assert post.image.name.startswith("posts/")
    assert "trip" not in post.image.name


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": ""}, "This field is required."),
        ({"title": "t" * 151}, "at most 150 characters"),
        ({"text": "x" * 10_001}, "at most 10000 characters"),
        ({"tags": " ".join(f"#t{n}" for n in range(11))}, "At most 10 tags per post."),
        ({"tags": "#ok, <script>"}, "is not a valid tag"),
        ({"image": upload(b"<svg/>", "x.png", "image/png")}, "not a supported image"),
        ({"image_alt": "a" * 301}, "at most 300 characters"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(client, author, data, message):
    response = client.post("/posts/new/", {"title": "T", "text": "Body", "tags": ""} | data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Post.objects.exists()


def test_an_oversized_image_is_refused_unread(client, author):
    response = client.post(
        "/posts/new/", {"title": "T", "text": "B", "image": upload(b"0" * (6 * 1024 * 1024))}
    )
    assert "larger than 5 MB" in response.content.decode()
    assert not Post.objects.exists()


def test_anonymous_writers_are_sent_to_log_in(client):
    response = client.get("/posts/new/")
    assert response["Location"] == "/accounts/login/?next=/posts/new/"
    assert client.post("/posts/new/", {"title": "T", "text": "B"}).status_code == 302
    assert not Post.objects.exists()


def test_the_author_edits_and_the_post_shows_edited(client, author):
    post = PostFactory(author=author, title="Old")
    response = client.post(
        f"/posts/{post.pk}/edit/", {"title": "New", "text": "Changed", "tags": "#a"}, follow=True
    )
    assert "Post updated." in response.content.decode()
    post.refresh_from_db()
    assert (post.title, post.text, post.edited is not None) == ("New", "Changed", True)
    assert ">edited</span>" in response.content.decode()


def test_replacing_and_removing_the_image_deletes_old_files_after_commit(
    client, author, django_capture_on_commit_callbacks
):
    client.post("/posts/new/", {"title": "T", "text": "B", "image": upload(image_bytes())})
    post = Post.objects.get()
    first = Path(post.image.path)
    with django_capture_on_commit_callbacks(execute=True):
        data = {"title": "T", "text": "B", "image": upload(image_bytes(colour=(0, 0, 0)))}
        client.post(f"/posts/{post.pk}/edit/", data)
    post.refresh_from_db()
    second = Path(post.image.path)
    assert not first.exists()
    assert second.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/posts/{post.pk}/edit/", {"title": "T", "text": "B", "remove_image": "on"})
    post.refresh_from_db()
    assert not post.image
    assert not second.exists()


def test_deleting_asks_for_confirmation_then_removes_the_post_and_its_image(
    client, author, django_capture_on_commit_callbacks
):
    client.post("/posts/new/", {"title": "T", "text": "B", "image": upload(image_bytes())})
    post = Post.objects.get()
    image = Path(post.image.path)
    page = client.get(f"/posts/{post.pk}/delete/")
    assert "Delete this post?" in page.content.decode()
    assert Post.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/posts/{post.pk}/delete/")
    assert response["Location"] == "/"
    assert not Post.objects.exists()
    assert not image.exists()


ROLES = ["author", "other", "staff", "anonymous"]


def client_for(role: str, post: Post) -> Client:
    client = Client()
    users = {
        "author": post.author,
        "other": UserFactory(),
        "staff": UserFactory(is_staff=True),
    }
    if role in users:
        client.force_login(users[role])
    return client


@pytest.mark.parametrize(
    ("role", "can_edit", "can_delete"),
    [("author", True, True), ("other", False, False), ("staff", False, False),
     ("anonymous", False, False)],
)  # fmt: skip
def test_authorisation_matrix_for_posts(role, can_edit, can_delete):
    post = PostFactory(title="Original")
    client = client_for(role, post)
    client.post(f"/posts/{post.pk}/edit/", {"title": "Hacked", "text": "x"})
    assert (Post.objects.get(pk=post.pk).title == "Hacked") is can_edit
    response = client.post(f"/posts/{post.pk}/delete/")
    assert (not Post.objects.filter(pk=post.pk).exists()) is can_delete
    if role in {"other", "staff"} and not can_delete:
        assert response.status_code == 403


def test_edit_and_delete_controls_show_only_to_those_allowed(client):
    post = PostFactory()
    for role, edit, delete in [("author", True, True), ("other", False, False),
                               ("staff", False, False)]:  # fmt: skip
        html = client_for(role, post).get(post.get_absolute_url()).content.decode()
        assert (f'href="/posts/{post.pk}/edit/"' in html) is edit
        assert (f'href="/posts/{post.pk}/delete/"' in html) is delete


def test_post_writes_need_csrf(author):
    client = Client(enforce_csrf_checks=True)
    client.force_login(author)
    response = client.post("/posts/new/", {"title": "T", "text": "B"})
    assert response.status_code == 403
    assert not Post.objects.exists()


def test_the_edit_form_shows_the_current_tags(client, author):
    post = PostFactory(author=author)
    client.post(f"/posts/{post.pk}/edit/", {"title": "T", "text": "B", "tags": "#b #a"})
    html = client.get(f"/posts/{post.pk}/edit/").content.decode()
    assert re.search(r'value="#(a|b), #(a|b)"', html)


def test_image_sizes_are_saved_so_pages_never_open_the_files(client, author):
    client.post("/posts/new/", {"title": "T", "text": "B",
                                "image": upload(image_bytes("PNG", (300, 120)))})  # fmt: skip
    post = Post.objects.get()
    assert (post.image_width, post.image_height) == (300, 120)
    replacement = {"title": "T", "text": "B", "image": upload(image_bytes("PNG", (30, 90)))}
    client.post(f"/posts/{post.pk}/edit/", replacement)
    post.refresh_from_db()
    assert (post.image_width, post.image_height) == (30, 90)
    Path(post.image.path).unlink()  # even a lost file does not break the pages
    assert client.get("/").status_code == 200
    assert client.get(post.get_absolute_url()).status_code == 200


def test_a_full_disk_keeps_the_draft_and_says_the_post_was_not_saved(
    client, author, full_media_disk
):
    response = client.post("/posts/new/", {
        "title": "Big day", "text": "Words I typed", "tags": "#a",
        "image": upload(noise_bytes(), "big.png", "image/png"),
    })  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    assert "The image could not be saved, so nothing was changed." in html
    assert 'value="Big day"' in html
    assert "Words I typed" in html
    assert not Post.objects.exists()
    assert [p for p in Path(full_media_disk).rglob("*") if p.is_file()] == []


def kept_files(media_root) -> list[Path]:
    return [p for p in (Path(media_root) / "kept").rglob("*") if p.is_file()]


def test_an_image_chosen_for_a_form_with_errors_is_kept_for_the_next_send(
    client, author, media_root
):
    response = client.post("/posts/new/", {
        "title": "", "text": "Words", "tags": "",
        "image": upload(image_bytes("PNG", (300, 200)), "trip.png", "image/png"),
    })  # fmt: skip
    html = response.content.decode()
    assert "This field is required." in html
    assert "Your image is kept: no need to choose it again." in html
    token = re.search(r'name="kept_image" value="([^"]+)"', html).group(1)
    assert len(kept_files(media_root)) == 1
    response = client.post("/posts/new/", {"title": "Trip", "text": "Words", "tags": "",
                                           "kept_image": token})  # fmt: skip
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.image
    assert post.image.name.startswith("posts/")
    assert kept_files(media_root) == []


def test_a_kept_image_token_from_someone_else_is_refused(client, author, media_root):
    from apps.core.uploads import pending

    token, _ = pending.keep(data=image_bytes(), user_id=author.pk + 1000)
    response = client.post("/posts/new/", {"title": "T", "text": "W", "tags": "",
                                           "kept_image": token})  # fmt: skip
    assert "The image chosen earlier is gone; choose it again." in response.content.decode()
    assert not Post.objects.exists()


def test_kept_images_never_used_are_removed_by_the_daily_job(media_root):
    import os
    import time

    from apps.core.tasks import forget_pending_images
    from apps.core.uploads import pending

    pending.keep(data=image_bytes(), user_id=1)
    [old] = kept_files(media_root)
    two_days_ago = time.time() - 2 * 86_400
    os.utime(old, (two_days_ago, two_days_ago))
    pending.keep(data=image_bytes(colour=(1, 2, 3)), user_id=1)
    assert forget_pending_images.call() == "1 pending image(s) removed"
    assert len(kept_files(media_root)) == 1


def test_the_author_describes_the_image_for_screen_readers(client, author):
    client.post("/posts/new/", {
        "title": "Bay", "text": "Fog.", "image_alt": 'Fog over the bay at dawn <b>"',
        "image": upload(image_bytes("PNG", (40, 30)), "bay.png", "image/png"),
    })  # fmt: skip
    post = Post.objects.get()
    html = client.get(post.get_absolute_url()).content.decode()
    assert 'alt="Fog over the bay at dawn &lt;b&gt;&quot;"' in html
    edit = client.get(f"/posts/{post.pk}/edit/").content.decode()
    assert 'value="Fog over the bay at dawn &lt;b&gt;&quot;"' in edit  # kept when editing
    client.post(f"/posts/{post.pk}/edit/", {"title": "Bay", "text": "Fog.", "image_alt": ""})
    html = client.get(post.get_absolute_url()).content.decode()
    assert 'alt="Image for “Bay”"' in html  # no description: the title says what it is
