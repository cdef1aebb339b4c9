"""What notifications may point at. The apps that own event rows (a like, a comment) register
their models here in their AppConfig.ready(), saying what a notification shows of the row, so
a page of notifications loads every target in one query per model, and this app never
imports theirs."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model, QuerySet


@dataclass(frozen=True)
class Target:
    model: type[Model]
    select_related: tuple[str, ...]
    # What the line quotes under its sentence (a comment's text, a liked post's title): ""
    # for nothing, None for something moderators removed or its author deleted, which the
    # line must not quote. And where the line links.
    excerpt: Callable[[Model], str | None]
    link: Callable[[Model], str]
    # The whole sentence, for a row that says itself what happened (a moderators' decision).
    sentence: Callable[[Model], str] | None = None
    # The lookup from the row to the member whose post it happened under ("post__author"),
    # or "" for rows that are under nobody's post: a block between that member and another
    # takes back what the row told the other (they could not open its link).
    where: str = ""


_TARGETS: dict[type[Model], Target] = {}


def register(
    model: type[Model],
    *,
    excerpt: Callable[[Model], str | None] = lambda row: "",
    link: Callable[[Model], str] = lambda row: row.get_absolute_url(),
    select_related: tuple[str, ...] = (),
    sentence: Callable[[Model], str] | None = None,
    where: str = "",
) -> None:
    _TARGETS[model] = Target(model, select_related, excerpt, link, sentence, where)


def under_posts() -> list[Target]:
    """The targets that happen under someone's post (those registered with `where`)."""
    return [t for t in _TARGETS.values() if t.where]


def querysets() -> list[QuerySet]:
    return [
        t.model._default_manager.select_related(*t.select_related)
        if t.select_related
        else t.model._default_manager.all()
        for t in _TARGETS.values()
    ]


def excerpt_of(row: Model) -> str | None:
    return _TARGETS[type(row)].excerpt(row)


def link_of(row: Model) -> str:
    return _TARGETS[type(row)].link(row)


def sentence_of(row: Model) -> str | None:
    sentence = _TARGETS[type(row)].sentence
    return None if sentence is None else sentence(row)
