"""Render the same markup once, render afresh only what changes.

    {% load stencil %}
    {% stencil post.card_key full %}
      <h2>{{ post.title }}</h2>                        {# the same for everyone: rendered once #}
      {% fresh %}{% csrf_token %}{% endfresh %}    {# rendered on every request #}
    {% endstencil %}

The first time a stencil meets a key, its body is rendered with each `{% fresh %}` part left
as a marker, and the result is kept as the text between those parts (per process, the most
recent STENCILS_KEPT keys per stencil). Each later render with the same key joins that text
with the fresh parts rendered in the current context: only they cost template work.

The key must name everything the kept text depends on; it is compared by equality, so pass
the values themselves (a title, not its length). The active language is always part of it.
Whatever is the viewer's, the request's or the clock's (CSRF tokens, "liked", "5 minutes
ago", signed media URLs) goes in a fresh part. A fresh part is rendered in the stencil's
context: it must not use a loop variable of a `{% for %}` inside the stencil.
"""

import secrets
import threading
from collections import OrderedDict

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

STENCILS_KEPT = 2048
# Between the kept texts, where a fresh part goes; never in real output (a secret per process).
_MARK = f"\x00stencil-{secrets.token_hex(8)}-"
_RECORDING = "_stencil_recording"


class FreshNode(template.Node):
    def __init__(self, index: int, nodelist: NodeList) -> None:
        self.index = index
        self.nodelist = nodelist
        self.stencil: StencilNode | None = None

    def render(self, context: template.Context) -> str:
        if context.get(_RECORDING) is self.stencil:
            return f"{_MARK}{self.index}\x00"
        return self.nodelist.render(context)


class StencilNode(template.Node):
    child_nodelists = ("nodelist",)

    def __init__(self, key: list[FilterExpression], nodelist: NodeList, fresh: list[FreshNode]):
        self.key = key
        self.nodelist = nodelist
        self.fresh = fresh
        for part in fresh:
            part.stencil = self
        # Kept on the compiled node: it lives as long as the template (the cached loader),
        # and a template edited in development starts afresh.
        self._kept: OrderedDict[tuple, tuple[str | int, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def render(self, context: template.Context) -> SafeString:
        key = (translation.get_language(), *(part.resolve(context) for part in self.key))
        with self._lock:
            parts = self._kept.get(key)
            if parts is not None:
                self._kept.move_to_end(key)
        if parts is None:
            parts = self._record(context)
            with self._lock:
                self._kept[key] = parts
                if len(self._kept) > STENCILS_KEPT:
                    self._kept.popitem(last=False)
        return mark_safe(  # noqa: S308 (each part is rendered template output)
            "".join(
                part if isinstance(part, str) else self.fresh[part].render(context)
                for part in parts
            )
        )

    def _record(self, context: template.Context) -> tuple[str | int, ...]:
        with context.push({_RECORDING: self}):
            text = self.nodelist.render(context)
        parts: list[str | int] = []
        for number, piece in enumerate(text.split(_MARK)):
            if number == 0:
                parts.append(piece)
                continue
            index, rest = piece.split("\x00", 1)
            parts += [int(index), rest]
        return tuple(part for part in parts if part != "")


@register.tag
def stencil(parser: Parser, token: Token) -> StencilNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% stencil %} needs a key: what the text shows.")
    key = [parser.compile_filter(bit) for bit in bits[1:]]
    outer = getattr(parser, "_stencil_fresh", None)
    parser._stencil_fresh = parts = []
    try:
        nodelist = parser.parse(("endstencil",))
    finally:
        parser._stencil_fresh = outer
    parser.delete_first_token()
    return StencilNode(key, nodelist, parts)


@register.tag
def fresh(parser: Parser, token: Token) -> FreshNode:
    parts = getattr(parser, "_stencil_fresh", None)
    if parts is None:
        raise template.TemplateSyntaxError("{% fresh %} belongs inside a {% stencil %}.")
    node = FreshNode(len(parts), parser.parse(("endfresh",)))
    parser.delete_first_token()
    parts.append(node)
    return node
