"""{% stencil %}: the text outside the fresh parts is rendered once per key, they every time."""

import pytest
from django.template import TemplateSyntaxError, engines
from django.utils import translation

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


@pytest.fixture
def template():
    return engines["django"].from_string(TEMPLATE)


def test_the_text_outside_the_fresh_parts_is_rendered_once_per_key(template):
    made = Counter()
    assert render(template, key=1, made=made, name="Ann") == "[1 Log out Ann](2)"
    assert render(template, key=1, made=made, name="Ann") == "[1 Log out Ann](3)"
    assert render(template, key=2, made=made, name="Bob") == "[4 Log out Bob](5)"
    assert render(template, key=1, made=made, name="Ann") == "[1 Log out Ann](6)"


def test_the_language_is_part_of_the_key(template):
    made = Counter()
    assert "Log out" in render(template, key=1, made=made, name="Ann")
    with translation.override("ru"):
        assert "Выйти" in render(template, key=1, made=made, name="Ann")


def test_the_kept_text_stays_escaped(template):
    html = render(template, key=3, made=Counter(), name="<b>Ann</b>")
    assert "&lt;b&gt;Ann&lt;/b&gt;" in html
    assert "&lt;b&gt;Ann&lt;/b&gt;" in render(template, key=3, made=Counter(), name="<b>Ann</b>")


def test_only_the_most_recent_keys_are_kept(template, monkeypatch):
    monkeypatch.setattr("apps.core.templatetags.stencil.STENCILS_KEPT", 2)
    made = Counter()
    for key in (1, 2, 3):
        render(template, key=key, made=made, name="Ann")
    # Key 1 was forgotten: rendered anew.
    assert render(template, key=1, made=made, name="Ann") == "[7 Log out Ann](8)"


def test_a_fresh_part_outside_a_stencil_is_a_template_error():
    with pytest.raises(TemplateSyntaxError):
        engines["django"].from_string("{% load stencil %}{% fresh %}x{% endfresh %}")


def test_what_the_key_does_not_name_is_kept_as_first_rendered():
    template = engines["django"].from_string(
        "{% load stencil %}{% stencil 1 %}{% if on %}on{% endif %}|{% fresh %}{{ on }}"
        "{% endfresh %}{% endstencil %}"
    )
    assert template.render({"on": True}) == "on|True"
    # The key says nothing of `on`: the kept text is what the key promised.
    assert template.render({"on": False}) == "on|False"


def test_a_stencil_inside_another_keeps_its_own_fresh_parts():
    template = engines["django"].from_string(
        "{% load stencil %}{% stencil 1 %}<{% stencil 2 %}a{% fresh %}{{ x }}{% endfresh %}"
        "{% endstencil %}>{% fresh %}{{ y }}{% endfresh %}{% endstencil %}"
    )
    assert template.render({"x": 1, "y": 2}) == "<a1>2"
    # The inner stencil's text, fresh part included, is part of the outer's: kept as first rendered.
    assert template.render({"x": 3, "y": 4}) == "<a1>4"
