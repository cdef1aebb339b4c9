from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "apps.conversations"
    verbose_name = "Conversations"

    def ready(self) -> None:
        from apps.social import targets

        from .models import Conversation, Message

        # A new message's notification quotes its text (nothing for an image alone, nothing of
        # a message deleted for everyone) and opens the conversation.
        targets.register(
            Message,
            excerpt=lambda message: None if message.is_deleted else message.text,
            link=lambda message: Conversation(pk=message.conversation_id).get_absolute_url(),
        )
