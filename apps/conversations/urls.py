from django.urls import path

from . import views, views_list

app_name = "conversations"

urlpatterns = [
    # The list, its Requests tab, starting one, adding members, the member's setting:
    # views_list.
    path("messages/", views_list.conversation_list, name="list"),
    path("messages/requests/", views_list.requests_list, name="requests"),
    path("messages/new/", views_list.start_conversation, name="new"),
    path("messages/<int:pk>/members/", views_list.add_members, name="add_members"),
    path("settings/messages/", views_list.message_settings, name="settings"),
    # One conversation: views.
    path("messages/<int:pk>/", views.conversation, name="conversation"),
    path("messages/<int:pk>/send/", views.send, name="send"),
    path("messages/<int:pk>/older/", views.older, name="older"),
    path("messages/<int:pk>/accept/", views.accept, name="accept"),
    path("messages/<int:pk>/hide/", views.hide, name="hide"),
    path("messages/<int:pk>/leave/", views.leave, name="leave"),
    path(
        "messages/<int:pk>/messages/<int:message_pk>/delete/",
        views.delete_message,
        name="delete_message",
    ),
    path(
        "messages/<int:pk>/messages/<int:message_pk>/image/",
        views.message_image,
        name="message_image",
    ),
]
