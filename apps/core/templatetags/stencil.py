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
Whatever is the viewer's, the request's or the clock's (CSRF tokens, "liked", signed media
URLs) goes in a fresh part. A time is not the clock's: `{% when %}` writes the moment, which
the page says as "5 minutes ago", so it is kept text with the moment in the key. A fresh
part is rendered in the stencil's context: it must not use a loop variable of a `{% for %}`
inside the stencil, nor a variable that the kept text sets (`{% url … as name %}`).

Nothing fails when a key says too little: the page shows what another key's values made. So
with the STENCIL_VERIFY setting (on with DEBUG and in the tests) every render also renders the
body afresh and raises StaleStencilError, naming the template, the key and the first
difference, when the two disagree. A stencil directly in another's kept text would be kept
with it, whatever its own key: that is a syntax error; inside a fresh part it is welcome.
"""

import datetime
import difflib
import reprlib
import secrets
import threading
from collections import OrderedDict

from django import template
from django.conf import settings
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

STENCILS_KEPT = 2048
# Between the kept texts, where a fresh part goes; never in real output (a secret per process).
_MARK = f"\x00stencil-{secrets.token_hex(8)}-"
_RECORDING = "_stencil_recording"
# How much of the text around the first difference an error shows.
_EXCERPT = 60
# What a key may hold: values, not objects that keep more than they show.
_PLAIN = (str, int, float, bool, type(None), datetime.date, datetime.timedelta, tuple)


class StaleStencilError(Exception):
    """A stencil served kept text that rendering its body afresh does not give: its key does
    not name everything the kept text reads (or a fresh part reads what the kept text sets)."""


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
        html = "".join(
            part if isinstance(part, str) else self.fresh[part].render(context) for part in parts
        )
        if settings.STENCIL_VERIFY:
            self._verify_key(key)
            self._verify(context, key, parts, html)
        return mark_safe(html)  # noqa: S308 (each part is rendered template output)

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

    def _verify_key(self, key: tuple) -> None:
        """A key is kept as long as its text: only plain values, never an object that holds
        more than it shows (a lazy object keeps the request it was made from)."""
        for part in key:
            if not issubclass(type(part), _PLAIN):  # type(): a lazy object passes isinstance
                raise TypeError(
                    f"{{% stencil %}} in {self.origin.template_name or self.origin.name}, line "
                    f"{self.token.lineno}: its key holds a {type(part).__name__}; name plain "
                    f"values (a string, a number, a date; a tuple of them), e.g. with a filter."
                )
            if isinstance(part, tuple):
                self._verify_key(part)

    def _verify(
        self, context: template.Context, key: tuple, parts: tuple[str | int, ...], served: str
    ) -> None:
        """Raise StaleStencilError unless `served` is what the body renders afresh. A fresh
        part may read the clock (a signed URL's expiry), which can tick between the two
        renders: only a difference that a second try shows again counts."""
        for attempt in range(2):
            if attempt:
                served = "".join(
                    part if isinstance(part, str) else self.fresh[part].render(context)
                    for part in parts
                )
            with context.push():
                afresh = self.nodelist.render(context)
            if afresh == served:
                return
        raise StaleStencilError(
            f"{{% stencil %}} in {self.origin.template_name or self.origin.name}, line "
            f"{self.token.lineno}, served text that its body, rendered afresh, does not give: "
            f"the key does not name everything the kept text reads, or a fresh part reads a "
            f"variable that the kept text sets.\n"
            f"Key: {self.token.contents.removeprefix('stencil ')} = {reprlib.repr(key)}\n"
            f"{_first_difference(served, afresh)}"
        )


def _first_difference(served: str, afresh: str) -> str:
    """The first place where the two texts differ, with a little of the text around it."""
    same = next(
        (at for at, (a, b) in enumerate(zip(served, afresh, strict=False)) if a != b),
        min(len(served), len(afresh)),
    )
    # The matcher is quadratic: it compares a window from the first different character.
    kept, new = served[same : same + 20 * _EXCERPT], afresh[same : same + 20 * _EXCERPT]
    matcher = difflib.SequenceMatcher(None, kept, new, autojunk=False)
    _, i1, i2, j1, j2 = next(op for op in matcher.get_opcodes() if op[0] != "equal")
    before = served[max(same + i1 - _EXCERPT, 0) : same + i1]
    return (
        f"Kept:   …{before}[{kept[i1:i2][: 2 * _EXCERPT]}]{kept[i2 : i2 + _EXCERPT]}…\n"
        f"Afresh: …{before}[{new[j1:j2][: 2 * _EXCERPT]}]{new[j2 : j2 + _EXCERPT]}…"
    )


@register.tag
def stencil(parser: Parser, token: Token) -> StencilNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% stencil %} needs a key: what the text shows.")
    if getattr(parser, "_stencil_fresh", None) is not None:
        raise template.TemplateSyntaxError(
            "A {% stencil %} directly inside another stencil's kept text would be kept with it, "
            "whatever its own key: put it in a {% fresh %} part, or name what it shows in the "
            "outer key and drop it."
        )
    key = [parser.compile_filter(bit) for bit in bits[1:]]
    parser._stencil_fresh = parts = []
    try:
        nodelist = parser.parse(("endstencil",))
    finally:
        parser._stencil_fresh = None
    parser.delete_first_token()
    return StencilNode(key, nodelist, parts)


@register.tag
def fresh(parser: Parser, token: Token) -> FreshNode:
    parts = getattr(parser, "_stencil_fresh", None)
    if parts is None:
        raise template.TemplateSyntaxError(
            "{% fresh %} belongs in a {% stencil %}'s kept text (not in another fresh part)."
        )
    # Inside the fresh part no stencil's text is kept: a stencil may start here.
    parser._stencil_fresh = None
    try:
        nodelist = parser.parse(("endfresh",))
    finally:
        parser._stencil_fresh = parts
    parser.delete_first_token()
    node = FreshNode(len(parts), nodelist)
    parts.append(node)
    return node
