"""The post card is kept by apps.feed.selectors.card_key: whatever the card shows, a change to
it shows on the next render (STENCIL_VERIFY, on in the tests, raises when the key misses it)."""

import pytest

from apps.core.templatetags.stencil import StaleStencilError
from apps.feed import selectors
from apps.feed.models import Post
from apps.feed.services import create_post, remove_post, update_post
from tests.factories import UserFactory
from tests.images import image_bytes

pytestmark = pytest.mark.django_db

# Each change returns what the card no longer shows after it (or "") and what it now shows.


def edit(post: Post, **fields: object) -> None:
    now = {"title": post.title, "text": post.text, "tags": [t.name for t in post.tags.all()]}
    update_post(user=post.author, post=post, **(now | fields))


def rename_author(post: Post) -> tuple[str, str]:
    post.author.first_name = "Gwen"
    post.author.save()
    return "Wendy Writer", "Gwen Writer"


def retitle(post: Post) -> tuple[str, str]:
    edit(post, title="A new title")
    return "An old title", "A new title"


def rewrite(post: Post) -> tuple[str, str]:
    edit(post, text="New words for @marian")
    return "Old words", "New words"


def retag(post: Post) -> tuple[str, str]:
    edit(post, tags=["tea"])
    return "#coffee", "#tea"


def add_image(post: Post) -> tuple[str, str]:
    edit(post, image=image_bytes(), image_alt="A red square")
    return "", 'alt="A red square"'


def rename_mentioned_member(post: Post) -> tuple[str, str]:
    post.mentions.update(username="maid_marian")
    return 'href="/u/marian/"', "@marian"  # the text still says @marian, linked to nobody


def save_unchanged(post: Post) -> tuple[str, str]:
    edit(post)
    return "", ">edited</span>"


def remove(post: Post) -> tuple[str, str]:
    remove_post(post=post)
    return "", "Moderators removed this post"


@pytest.fixture
def post() -> Post:
    author = UserFactory(first_name="Wendy", last_name="Writer")
    UserFactory(username="marian")
    return create_post(author=author, title="An old title", text="Old words for @marian",
                       tags=["coffee"], image=None)  # fmt: skip


def page_of(post: Post, where: str) -> str:
    return "/?tab=everyone" if where == "feed" else post.get_absolute_url()


def card(client, post: Post, where: str) -> str:
    response = client.get(page_of(post, where))
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index(f'id="post-{post.pk}"')
    return html[start : html.index("</article>", start)]


@pytest.mark.parametrize("where", ["feed", "post page"])
@pytest.mark.parametrize(
    "change",
    [
        rename_author,
        retitle,
        rewrite,
        retag,
        rename_mentioned_member,
        add_image,
        save_unchanged,
        remove,
    ],
    ids=lambda change: change.__name__,
)
def test_a_change_to_what_a_card_shows_shows_on_the_next_render(client, post, change, where):
    client.force_login(post.author)  # the author still sees a removed post
    card(client, post, where)
    before, after = change(post)
    html = card(client, Post.objects.get(pk=post.pk), where)
    assert after in html
    if before:
        assert before not in html


@pytest.mark.parametrize("where", ["feed", "post page"])
def test_a_new_description_size_or_removal_of_the_image_shows_on_the_next_render(
    client, post, where
):
    """The image's tag is kept with the card, its address fresh."""
    client.force_login(post.author)
    edit(post, image=image_bytes(size=(64, 48)), image_alt="A red square")
    assert 'width="64"' in card(client, post, where)
    edit(post, image_alt="A crimson square")
    assert 'alt="A crimson square"' in card(client, post, where)
    edit(post, image=image_bytes(size=(80, 40)), image_alt="A red band")
    html = card(client, post, where)
    assert 'width="80"' in html
    assert 'height="40"' in html
    assert Post.objects.get(pk=post.pk).image.url in html
    edit(post, remove_image=True)
    assert "<img" not in card(client, post, where)


# What a key leaves out; an edit also marks the post edited, so the key must miss both.
@pytest.mark.parametrize(
    ("change", "left_out"),
    [
        (rename_author, lambda post: [post.author.display_name]),
        (retitle, lambda post: [post.title, post.edited]),
        (rewrite, lambda post: [post.text, post.edited]),
        (retag, lambda post: [tuple(post.tag_names), post.edited]),
        (rename_mentioned_member, lambda post: [tuple(post.mentioned_names)]),
        (save_unchanged, lambda post: [post.edited]),
    ],
    ids=["display name", "title", "text", "tags", "mentions", "edited"],
)
def test_a_card_key_that_leaves_out_what_a_change_touches_fails_the_next_render(
    client, post, monkeypatch, change, left_out
):
    real = selectors.card_key
    monkeypatch.setattr(
        selectors, "card_key", lambda post: tuple(v for v in real(post) if v not in left_out(post))
    )
    client.force_login(post.author)
    card(client, post, "feed")
    change(post)
    with pytest.raises(StaleStencilError, match=r"post\.card_key full profile_user\.pk"):
        client.get(page_of(post, "feed"))
