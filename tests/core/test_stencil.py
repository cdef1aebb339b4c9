"""{% stencil %}: the text outside the fresh parts is rendered once per key, they every time;
with STENCIL_VERIFY (on in the tests) a key that misses something the text shows raises."""

import pytest
from django.template import Context, Engine, TemplateSyntaxError, engines
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from apps.core.templatetags.stencil import StaleStencilError

TEMPLATE = (
    "{% load stencil i18n %}"
    "{% stencil key %}[{{ made.next }} {% translate 'Log out' %} {{ name }}]"
    "{% fresh %}({{ made.next }}){% endfresh %}{% endstencil %}"
)


class Counter:
    def __init__(self) -> None:
        self.count = 0

    @property
    def next(self) -> int:
        self.count += 1
        return self.count


def render(template, **context) -> str:
    return template.render(context)


def from_string(source: str):
    return engines["django"].from_string("{% load stencil %}" + source)


@pytest.fixture
def verify_off(settings):
    """As in production: kept text is served unchecked (and each body rendered once)."""
    settings.STENCIL_VERIFY = False


@pytest.fixture
def template():
    return engines["django"].from_string(TEMPLATE)


def test_the_text_outside_the_fresh_parts_is_rendered_once_per_key(template, verify_off):
    made = Counter()
    assert render(template, key=1, made=made, name="Ann") == "[1 Log out Ann](2)"
    assert render(template, key=1, made=made, name="Ann") == "[1 Log out Ann](3)"
    assert render(template, key=2, made=made, name="Bob") == "[4 Log out Bob](5)"
    assert render(template, key=1, made=made, name="Ann") == "[1 Log out Ann](6)"


def test_the_language_is_part_of_the_key(template):
    assert "Log out" in render(template, key=1, made=0, name="Ann")
    with translation.override("ru"):
        assert "Выйти" in render(template, key=1, made=0, name="Ann")


def test_the_kept_text_stays_escaped(template):
    html = render(template, key=3, made=0, name="<b>Ann</b>")
    assert "&lt;b&gt;Ann&lt;/b&gt;" in html
    assert "&lt;b&gt;Ann&lt;/b&gt;" in render(template, key=3, made=0, name="<b>Ann</b>")


def test_only_the_most_recent_keys_are_kept(template, monkeypatch, verify_off):
    monkeypatch.setattr("apps.core.templatetags.stencil.STENCILS_KEPT", 2)
    made = Counter()
    for key in (1, 2, 3):
        render(template, key=key, made=made, name="Ann")
    # Key 1 was forgotten: rendered anew.
    assert render(template, key=1, made=made, name="Ann") == "[7 Log out Ann](8)"


def test_a_fresh_part_outside_a_stencil_is_a_template_error():
    with pytest.raises(TemplateSyntaxError):
        from_string("{% fresh %}x{% endfresh %}")


def test_a_fresh_part_inside_another_is_a_template_error():
    with pytest.raises(TemplateSyntaxError, match="not in another fresh part"):
        from_string(
            "{% stencil 1 %}{% fresh %}{% fresh %}x{% endfresh %}{% endfresh %}{% endstencil %}"
        )


def test_without_verify_what_the_key_does_not_name_is_served_as_first_rendered(verify_off):
    template = from_string(
        "{% stencil 1 %}{% if on %}on{% endif %}|{% fresh %}{{ on }}{% endfresh %}{% endstencil %}"
    )
    assert template.render({"on": True}) == "on|True"
    # The key says nothing of `on`: the kept text is what the key promised.
    assert template.render({"on": False}) == "on|False"


def test_with_verify_a_value_the_key_does_not_name_raises_once_it_changes():
    template = from_string(
        "{% stencil 1 %}{% if on %}on{% endif %}|{% fresh %}{{ on }}{% endfresh %}{% endstencil %}"
    )
    assert template.render({"on": True}) == "on|True"
    assert template.render({"on": True}) == "on|True"  # kept, and still what the body renders
    with pytest.raises(StaleStencilError):
        template.render({"on": False})


class Clock:
    """Reads "5 seconds ago" once, then "6 seconds ago": a second ticked meanwhile."""

    def __init__(self) -> None:
        self.readings = iter(["5 seconds ago"])

    def __str__(self) -> str:
        return next(self.readings, "6 seconds ago")


def test_with_verify_a_fresh_part_whose_clock_ticks_between_the_renders_passes():
    template = from_string(
        "{% stencil 1 %}Posted {% fresh %}{{ clock }}{% endfresh %}{% endstencil %}"
    )
    assert template.render({"clock": Clock()}) == "Posted 5 seconds ago"


def test_with_verify_a_key_that_names_the_value_renders_each_value():
    template = from_string(
        "{% stencil on %}{% if on %}on{% endif %}|{% fresh %}{{ on }}{% endfresh %}{% endstencil %}"
    )
    assert template.render({"on": True}) == "on|True"
    assert template.render({"on": False}) == "|False"
    assert template.render({"on": True}) == "on|True"


def test_the_verify_error_names_the_template_the_key_and_the_first_difference():
    engine = Engine(
        loaders=[("django.template.loaders.locmem.Loader", {"cards/greeting.html": (
            "{% load stencil %}<p>\n{% stencil post.pk %}<b>Hello {{ post.name }}!</b>"
            "{% fresh %}{{ now }}{% endfresh %}{% endstencil %}</p>"
        )})],
        libraries={"stencil": "apps.core.templatetags.stencil"},
    )  # fmt: skip
    template = engine.get_template("cards/greeting.html")
    template.render(Context({"post": {"pk": 7, "name": "Ann"}, "now": 1}))
    with pytest.raises(StaleStencilError) as error:
        template.render(Context({"post": {"pk": 7, "name": "Bob"}, "now": 2}))
    message = str(error.value)
    assert "cards/greeting.html, line 2" in message
    assert "post.pk = ('en', 7)" in message
    assert "Hello [Ann]!" in message
    assert "Hello [Bob]!" in message


def test_with_verify_a_fresh_part_that_reads_what_the_kept_text_sets_raises():
    template = from_string(
        "{% stencil 1 %}{% with name=user %}{% fresh %}{{ name }}{% endfresh %}{% endwith %}"
        "{% endstencil %}"
    )
    # Only the kept text set `name`: the fresh part, rendered without it, shows nothing.
    with pytest.raises(StaleStencilError):
        template.render({"user": "Ann"})


def test_a_stencil_directly_in_another_stencils_kept_text_fails_to_parse():
    with pytest.raises(TemplateSyntaxError, match=r"put it in a \{% fresh %\} part"):
        from_string("{% stencil 1 %}<{% stencil x %}{{ x }}{% endstencil %}>{% endstencil %}")


def test_a_stencil_in_a_fresh_part_of_another_is_kept_by_its_own_key():
    template = from_string(
        "{% stencil 1 %}<{% fresh %}{% stencil x %}a{{ x }}{% fresh %}{{ y }}{% endfresh %}"
        "{% endstencil %}{% endfresh %}>{% endstencil %}"
    )
    assert template.render({"x": 1, "y": 2}) == "<a12>"
    assert template.render({"x": 3, "y": 4}) == "<a34>"
    assert template.render({"x": 1, "y": 5}) == "<a15>"


def test_a_stencil_after_another_in_the_same_template_parses():
    template = from_string(
        "{% stencil 1 %}a{% endstencil %}{% stencil 2 %}b{% fresh %}c{% endfresh %}{% endstencil %}"
    )
    assert template.render({}) == "abc"


def test_a_key_that_holds_an_object_is_refused():
    """A kept key lives as long as its text: a lazy object in it would keep the request it was
    made from (and its session) in memory, for every member."""
    template = from_string("{% stencil flag %}x{% endstencil %}")
    with pytest.raises(TypeError, match="SimpleLazyObject"):
        render(template, flag=SimpleLazyObject(lambda: True))
    assert render(template, flag=True) == "x"
