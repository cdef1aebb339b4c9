"""The conversation page: who may see it, what it shows, the composer, and a member's actions
on it, with JavaScript (htmx) and without."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from apps.conversations import selectors, services
from apps.conversations.models import Message, Participant
from apps.social import services as social
from tests.factories import UserFactory
from tests.images import image_bytes, upload

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def boris(db):
    return UserFactory(username="boris", first_name="Boris", last_name="Godunov")


@pytest.fixture
def conversation(alice, boris):
    social.follow(follower=boris, followee=alice)  # boris follows alice: no request
    return services.start_conversation(
        starter=alice, members=[boris], text="Hello Boris"
    ).conversation


def page_url(conversation):
    return reverse("conversations:conversation", args=[conversation.pk])


def send_url(conversation):
    return reverse("conversations:send", args=[conversation.pk])


def as_member(client, user):
    client.force_login(user)
    return client


def ids_on(response) -> list[int]:
    return [m.pk for m in response.context["page"].messages]


# --- Who may see it ----------------------------------------------------------------------


def test_members_see_the_conversation_with_the_other_member_in_the_header(
    client, conversation, boris
):
    response = as_member(client, boris).get(page_url(conversation))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hello Boris" in html
    assert "Alice Liddell" in html
    assert 'data-presence="alice"' in html
    assert "not end-to-end encrypted" in html
    assert f'data-conversation="{conversation.pk}"' in html
    assert 'id="composer"' in html


def test_a_non_member_gets_404_on_everything_in_a_conversation(client, conversation):
    message = conversation.messages.get()
    as_member(client, UserFactory(username="carol"))
    urls = [
        ("get", page_url(conversation)),
        ("get", reverse("conversations:older", args=[conversation.pk]) + f"?before={message.pk}"),
        ("get", reverse("conversations:message_image", args=[conversation.pk, message.pk])),
        ("post", send_url(conversation)),
        ("post", reverse("conversations:delete_message", args=[conversation.pk, message.pk])),
        ("post", reverse("conversations:accept", args=[conversation.pk])),
        ("post", reverse("conversations:hide", args=[conversation.pk])),
        ("post", reverse("conversations:leave", args=[conversation.pk])),
    ]
    for method, url in urls:
        response = getattr(client, method)(url, {"text": "let me in"} if method == "post" else {})
        assert response.status_code == 404, url
    assert conversation.messages.count() == 1


def test_a_visitor_is_asked_to_log_in(client, conversation):
    response = client.get(page_url(conversation))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_blocked_side_of_an_ended_conversation_gets_404_and_the_blocker_sees_it_ended(
    client, conversation, alice, boris
):
    social.block(blocker=boris, blocked=alice)
    response = as_member(client, alice).get(page_url(conversation))
    assert response.status_code == 404
    assert "This conversation has ended" in response.content.decode()
    assert "Hello Boris" not in response.content.decode()
    message = conversation.messages.get()
    for url in (
        reverse("conversations:message_image", args=[conversation.pk, message.pk]),
        reverse("conversations:older", args=[conversation.pk]) + f"?before={message.pk + 1}",
    ):
        assert client.get(url).status_code == 404
    response = client.post(send_url(conversation), {"text": "Why?"})
    assert response.status_code == 404
    # A page open from before the block: the composer goes, saying why.
    response = client.post(send_url(conversation), {"text": "Why?"}, **HTMX)
    assert 'id="conversation-closed"' in response.content.decode()
    assert "This conversation has ended" in response.content.decode()
    response = as_member(client, boris).get(page_url(conversation))
    assert response.status_code == 200
    html = response.content.decode()
    assert "This conversation has ended" in html
    assert 'id="composer"' not in html
    response = client.post(send_url(conversation), {"text": "Go away"})
    assert "This conversation has ended" in response.content.decode()
    assert conversation.messages.count() == 1


def test_in_a_group_messages_across_a_block_are_hidden(client, alice, boris):
    carol = UserFactory(username="carol")
    group = services.start_conversation(starter=alice, members=[boris, carol], text="Hi all")
    services.send_message(sender=carol, conversation=group.conversation, text="Carol here")
    social.block(blocker=boris, blocked=carol)
    html = as_member(client, boris).get(page_url(group.conversation)).content.decode()
    assert "Hi all" in html
    assert "Carol here" not in html


# --- What it shows -----------------------------------------------------------------------


def test_text_is_escaped_and_links_are_clickable(client, conversation, alice, boris):
    services.send_message(
        sender=alice, conversation=conversation,
        text="<script>alert(1)</script> see https://example.com/page",
    )  # fmt: skip
    html = as_member(client, boris).get(page_url(conversation)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="https://example.com/page"' in html
    assert 'rel="nofollow"' in html


def test_the_viewers_own_messages_are_marked_as_theirs(client, conversation, alice, boris):
    services.send_message(sender=boris, conversation=conversation, text="Mine")
    response = as_member(client, boris).get(page_url(conversation))
    mine = {m.text: m.mine for m in response.context["page"].messages}
    assert mine == {"Hello Boris": False, "Mine": True}
    assert "message-mine" in response.content.decode()


def test_messages_of_a_deleted_account_stay_from_deleted_member(client, alice, boris):
    carol = UserFactory(username="carol")
    group = services.start_conversation(starter=alice, members=[boris, carol], text="Hi all")
    services.send_message(sender=carol, conversation=group.conversation, text="Bye now")
    carol.delete()
    html = as_member(client, boris).get(page_url(group.conversation)).content.decode()
    assert "Bye now" in html
    assert "deleted member" in html


def test_the_page_shows_the_newest_thirty_newest_at_the_bottom(client, conversation, alice):
    for number in range(40):
        services.send_message(sender=alice, conversation=conversation, text=f"Number {number}")
    response = as_member(client, alice).get(page_url(conversation))
    texts = [m.text for m in response.context["page"].messages]
    assert len(texts) == selectors.THREAD_PAGE_SIZE
    assert texts[-1] == "Number 39"
    assert texts[0] == "Number 10"
    html = response.content.decode()
    assert html.index("Number 38") < html.index("Number 39")
    assert "Show older messages" in html


def test_older_messages_page_by_keyset_with_htmx_and_without(client, conversation, alice):
    for number in range(40):
        services.send_message(sender=alice, conversation=conversation, text=f"Number {number}")
    as_member(client, alice)
    first = client.get(page_url(conversation))
    before = first.context["page"].older_than
    older_url = reverse("conversations:older", args=[conversation.pk]) + f"?before={before}"
    assert f'href="{older_url}"'.replace("&", "&amp;") in first.content.decode()
    # A message written meanwhile changes nothing in the older page: keyset, not offset.
    services.send_message(sender=alice, conversation=conversation, text="Meanwhile")
    fragment = client.get(older_url, **HTMX)
    texts = [m.text for m in fragment.context["page"].messages]
    assert texts == ["Hello Boris"] + [f"Number {n}" for n in range(10)]
    html = fragment.content.decode()
    assert 'hx-swap-oob="afterbegin:#conversation-messages"' in html
    assert "<html" not in html
    assert "This is the beginning of the conversation." in html
    page = client.get(older_url)
    assert page.status_code == 200
    assert "Back to the newest messages" in page.content.decode()
    assert "data-conversation" not in page.content.decode()  # not live: the poll leaves it
    assert 'id="composer"' not in page.content.decode()


def test_a_page_link_that_is_not_an_id_is_a_bad_request(client, conversation, alice):
    url = reverse("conversations:older", args=[conversation.pk]) + "?before=abc"
    assert as_member(client, alice).get(url).status_code == 400


@pytest.mark.parametrize("count", [5, 40])
def test_the_page_reads_a_constant_number_of_queries(
    client, conversation, alice, boris, count, django_assert_max_num_queries
):
    for number in range(count):
        sender = alice if number % 2 else boris
        services.send_message(sender=sender, conversation=conversation, text=f"Message {number}")
    as_member(client, boris)
    with django_assert_max_num_queries(15):
        response = client.get(page_url(conversation))
    assert response.status_code == 200
    before = response.context["page"].older_than or conversation.last_message_id
    with django_assert_max_num_queries(10):
        client.get(
            reverse("conversations:older", args=[conversation.pk]) + f"?before={before}", **HTMX
        )


def test_opening_the_page_reads_the_conversation_and_the_other_sees_seen(
    client, conversation, alice, boris
):
    mine = Participant.objects.get(conversation=conversation, user=boris)
    assert mine.last_read_id == 0
    as_member(client, boris).get(page_url(conversation))
    mine.refresh_from_db()
    assert mine.last_read_id == conversation.messages.get().pk
    html = as_member(client, alice).get(page_url(conversation)).content.decode()
    assert 'id="conversation-seen"' in html
    assert "Seen" in html.split('id="conversation-seen"')[1].split("</p>")[0]


def test_a_member_who_hides_their_status_shows_no_seen(client, conversation, alice, boris):
    boris.profile.presence_audience = "nobody"
    boris.profile.save()
    as_member(client, boris).get(page_url(conversation))
    html = as_member(client, alice).get(page_url(conversation)).content.decode()
    assert "Seen" not in html.split('id="conversation-seen"')[1].split("</p>")[0]


# --- Images ------------------------------------------------------------------------------


def test_an_image_is_sent_and_served_only_to_members_never_cached_by_others(
    client, conversation, alice, boris
):
    as_member(client, alice)
    response = client.post(
        send_url(conversation),
        {"text": "", "image": upload(image_bytes()), "image_alt": "A red square"},
    )
    assert response.status_code == 302
    message = conversation.messages.latest("pk")
    assert message.image.name.startswith(f"private/messages/{conversation.pk}/")
    image_url = reverse("conversations:message_image", args=[conversation.pk, message.pk])
    html = as_member(client, boris).get(page_url(conversation)).content.decode()
    assert f'src="{image_url}"' in html
    assert 'alt="A red square"' in html
    served = client.get(image_url)
    assert served.status_code == 200
    assert served["Cache-Control"] == "private, no-store"
    assert served["Content-Type"].startswith("image/")
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size == (64, 48)
    as_member(client, UserFactory(username="carol"))
    assert client.get(image_url).status_code == 404
    client.logout()
    assert client.get(image_url).status_code == 302


def test_a_file_that_is_not_an_image_is_refused_and_the_text_kept(client, conversation, alice):
    as_member(client, alice)
    fake = upload(b"not an image at all", name="cat.jpg")
    response = client.post(send_url(conversation), {"text": "Look at this", "image": fake})
    assert response.status_code == 200
    assert "Look at this" in response.content.decode()
    assert response.context["form"].errors["image"]
    assert conversation.messages.count() == 1


# --- The composer ------------------------------------------------------------------------


def test_sending_without_javascript_redirects_to_the_end_of_the_conversation(
    client, conversation, alice
):
    response = as_member(client, alice).post(send_url(conversation), {"text": "Plain POST"})
    assert response.status_code == 302
    assert response["Location"] == page_url(conversation) + "#composer"
    assert conversation.messages.latest("pk").text == "Plain POST"
    page = client.get(response["Location"]).content.decode()
    assert "Plain POST" in page
    # Nothing arrives by itself without JavaScript: the page offers a plain reload.
    noscript = page.split("<noscript>", 2)[-1].split("</noscript>")[0]
    assert "Refresh to see new messages" in noscript
    assert f'href="{page_url(conversation)}#composer"' in noscript


def test_sending_with_htmx_answers_the_message_and_an_empty_composer(client, conversation, alice):
    response = as_member(client, alice).post(send_url(conversation), {"text": "Via htmx"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    message = conversation.messages.latest("pk")
    assert f'id="message-{message.pk}"' in html
    assert 'hx-swap-oob="beforeend:#conversation-messages"' in html
    assert 'id="composer"' in html
    assert "data-sent" in html
    composer = html.split('id="composer"')[1].split("</form>")[0]
    assert "Via htmx" not in composer
    assert "autofocus" in composer
    assert "<html" not in html


def test_sending_twice_with_the_same_token_makes_one_message(client, conversation, alice):
    token = "3f2b1c9e-6a55-4d8e-9b0f-4a1d2c3e4f50"
    as_member(client, alice)
    for _ in range(2):
        client.post(send_url(conversation), {"text": "Once", "client_token": token}, **HTMX)
    assert conversation.messages.filter(text="Once").count() == 1


@pytest.mark.parametrize("htmx", [False, True])
def test_an_empty_message_is_refused_with_a_clear_message(client, conversation, alice, htmx):
    response = as_member(client, alice).post(
        send_url(conversation), {"text": "   "}, **(HTMX if htmx else {})
    )
    assert response.status_code == 200
    assert "Write a message or choose an image." in response.content.decode()
    assert conversation.messages.count() == 1


def test_a_too_long_message_is_refused_and_kept(client, conversation, alice):
    text = "x" * 5001
    response = as_member(client, alice).post(send_url(conversation), {"text": text}, **HTMX)
    assert response.status_code == 200
    assert text in response.content.decode()
    assert response.context["form"].errors["text"]
    assert conversation.messages.count() == 1


def test_an_oversized_upload_is_refused_unread_with_the_size_message(
    client, conversation, alice, settings
):
    settings.MAX_UPLOAD_BYTES = 1000
    settings.UPLOAD_FORM_OVERHEAD = 100
    response = as_member(client, alice).post(
        send_url(conversation), {"text": "Big", "image": upload(b"x" * 5000)}, **HTMX
    )
    assert response.status_code == 200
    assert response.context["form"].errors["image"]
    assert conversation.messages.count() == 1


def test_a_member_who_left_cannot_write_and_is_told_why(client, alice, boris):
    carol = UserFactory(username="carol")
    group = services.start_conversation(starter=alice, members=[boris, carol], text="Hi all")
    services.leave_conversation(user=boris, conversation=group.conversation)
    as_member(client, boris)
    response = client.post(send_url(group.conversation), {"text": "I'm back"}, **HTMX)
    assert "You left this conversation." in response.content.decode()
    assert group.conversation.messages.count() == 1


def test_sending_too_often_is_refused_and_the_text_kept(
    client, conversation, alice, settings, rate_window
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "send_message": "2/m/user"}
    as_member(client, alice)
    for number in range(2):
        client.post(send_url(conversation), {"text": f"Quick {number}"})
    response = client.post(send_url(conversation), {"text": "One too many"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "One too many" in html
    assert "too often" in html
    htmx = client.post(send_url(conversation), {"text": "Again"}, **HTMX)
    assert htmx["HX-Reswap"] == "none"
    assert conversation.messages.count() == 3


# --- Deleting, requests, leaving, hiding -------------------------------------------------


def test_a_message_is_deleted_for_everyone_within_the_hour(client, conversation, alice, boris):
    message = services.send_message(sender=alice, conversation=conversation, text="Oops")
    url = reverse("conversations:delete_message", args=[conversation.pk, message.pk])
    response = as_member(client, alice).post(url, **HTMX)
    assert response.status_code == 200
    assert "Message deleted" in response.content.decode()
    assert f'id="message-{message.pk}"' in response.content.decode()
    html = as_member(client, boris).get(page_url(conversation)).content.decode()
    assert "Oops" not in html
    assert "Message deleted" in html


def test_a_message_cannot_be_deleted_after_the_hour_or_by_someone_else(
    client, conversation, alice, boris
):
    message = services.send_message(sender=alice, conversation=conversation, text="Old words")
    url = reverse("conversations:delete_message", args=[conversation.pk, message.pk])
    response = as_member(client, boris).post(url)
    assert response.status_code == 302
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        as_member(client, alice)
        page = client.get(page_url(conversation)).content.decode()
        assert "Delete for everyone" not in page
        response = client.post(url, follow=True)
        assert "only within an hour" in response.content.decode()
    message.refresh_from_db()
    assert message.text == "Old words"


def test_a_request_shows_accept_and_decline_and_accepting_moves_it(client, alice, boris):
    request = services.start_conversation(starter=alice, members=[boris], text="Hi stranger")
    conversation = request.conversation
    html = as_member(client, boris).get(page_url(conversation)).content.decode()
    assert "Message request" in html
    assert reverse("conversations:accept", args=[conversation.pk]) in html
    assert reverse("social:block", args=["alice"]) in html
    response = client.post(reverse("conversations:accept", args=[conversation.pk]))
    assert response["Location"] == page_url(conversation)
    assert Participant.objects.get(conversation=conversation, user=boris).accepted
    assert "Message request" not in client.get(page_url(conversation)).content.decode()


def test_declining_a_request_hides_it(client, alice, boris):
    conversation = services.start_conversation(
        starter=alice, members=[boris], text="Hi"
    ).conversation
    response = as_member(client, boris).post(reverse("conversations:hide", args=[conversation.pk]))
    assert response["Location"] == reverse("conversations:requests")
    html = client.get(page_url(conversation)).content.decode()
    assert "Hi</" not in html
    assert "No messages to show." in html


def test_hiding_a_conversation_clears_it_for_oneself_only(client, conversation, alice, boris):
    response = as_member(client, boris).post(reverse("conversations:hide", args=[conversation.pk]))
    assert response["Location"] == reverse("conversations:list")
    assert "Hello Boris" not in client.get(page_url(conversation)).content.decode()
    assert "Hello Boris" in as_member(client, alice).get(page_url(conversation)).content.decode()


def test_leaving_a_group_keeps_the_history_up_to_leaving(client, alice, boris):
    carol = UserFactory(username="carol")
    group = services.start_conversation(starter=alice, members=[boris, carol], text="Hi all")
    response = as_member(client, boris).post(
        reverse("conversations:leave", args=[group.conversation.pk])
    )
    assert response["Location"] == reverse("conversations:list")
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        services.send_message(sender=alice, conversation=group.conversation, text="After you")
    html = client.get(page_url(group.conversation)).content.decode()
    assert "Hi all" in html
    assert "After you" not in html
    assert "You left this conversation." in html
    assert "Leave group" not in html


def test_a_group_shows_its_members_and_a_leave_button(client, alice, boris):
    carol = UserFactory(username="carol", first_name="Carol", last_name="King")
    group = services.start_conversation(starter=alice, members=[boris, carol], text="Hi all")
    html = as_member(client, boris).get(page_url(group.conversation)).content.decode()
    assert "3 members" in html
    assert "Carol King" in html
    assert "Alice Liddell" in html
    assert "Leave group" in html


def test_hidden_messages_are_not_served_as_images_either(client, conversation, alice, boris):
    message = services.send_message(
        sender=alice, conversation=conversation, text="", image=image_bytes()
    )
    services.hide_conversation(user=boris, conversation=conversation)
    url = reverse("conversations:message_image", args=[conversation.pk, message.pk])
    assert as_member(client, boris).get(url).status_code == 404
    assert as_member(client, alice).get(url).status_code == 200
    assert Message.objects.filter(pk=message.pk).exists()


def test_the_blocked_side_may_still_hide_the_ended_conversation(client, conversation, alice, boris):
    social.block(blocker=boris, blocked=alice)
    response = as_member(client, alice).post(reverse("conversations:hide", args=[conversation.pk]))
    assert response.status_code == 302
    mine = Participant.objects.get(conversation=conversation, user=alice)
    assert mine.cleared_id == conversation.messages.get().pk


def test_once_the_other_account_is_gone_the_history_stays_and_nobody_writes(
    client, conversation, alice, boris
):
    services.send_message(sender=alice, conversation=conversation, text="Goodbye")
    services.forget_member(user=alice)
    alice.delete()
    response = as_member(client, boris).get(page_url(conversation))
    html = response.content.decode()
    assert "Goodbye" in html
    assert "deleted member" in html
    assert 'id="composer"' not in html
    assert "You cannot write in this conversation." in html


def test_opening_the_conversation_reads_its_line_in_the_bell(client, conversation, alice, boris):
    from apps.social.models import Notification

    services.send_message(sender=alice, conversation=conversation, text="Are you there?")
    assert Notification.objects.filter(recipient=boris, read=False).exists()
    as_member(client, boris).get(page_url(conversation))
    assert not Notification.objects.filter(recipient=boris, read=False).exists()


def test_hiding_with_htmx_sends_the_whole_page_to_the_list(client, conversation, boris):
    response = as_member(client, boris).post(
        reverse("conversations:hide", args=[conversation.pk]), **HTMX
    )
    assert response["HX-Redirect"] == reverse("conversations:list")


def test_a_full_disk_keeps_the_text_and_says_the_message_was_not_sent(
    client, conversation, alice, full_media_disk
):
    from tests.images import noise_bytes

    before = conversation.messages.count()
    response = as_member(client, alice).post(
        send_url(conversation),
        {"text": "Words I typed", "image": upload(noise_bytes(), "big.png", "image/png")},
    )
    html = response.content.decode()
    assert "The image could not be saved, so nothing was changed." in html
    assert "Words I typed" in html
    assert conversation.messages.count() == before
    assert [p for p in Path(full_media_disk).rglob("*") if p.is_file()] == []
