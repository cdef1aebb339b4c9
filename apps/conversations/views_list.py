"""The conversation list, its Requests tab, starting a conversation, adding members and the
member's "who may message me" setting. Placeholders until the list's part lands."""

from django.http import Http404


def conversation_list(request):
    raise Http404


def requests_list(request):
    raise Http404


def start_conversation(request):
    raise Http404


def add_members(request, pk):
    raise Http404


def message_settings(request):
    raise Http404
