"""One conversation: its page, older messages, the composer, and the member's actions on it."""

from django.http import Http404


def conversation(request, pk):
    raise Http404


def send(request, pk):
    raise Http404


def older(request, pk):
    raise Http404


def accept(request, pk):
    raise Http404


def hide(request, pk):
    raise Http404


def leave(request, pk):
    raise Http404


def delete_message(request, pk, message_pk):
    raise Http404


def message_image(request, pk, message_pk):
    raise Http404
