"""`mail_line`: member-written text in plain-text mail stays on its line and links nowhere."""

import pytest
from django.template import engines

render = engines["django"].from_string


def line(text: str, length: int | None = None) -> str:
    argument = f":{length}" if length else ""
    template = render("{% load mailtext %}{% autoescape off %}{{ text|mail_line" + argument
                      + " }}{% endautoescape %}")  # fmt: skip
    return template.render({"text": text})


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("Bob\r\n\r\nYour account is locked", "Bob Your account is locked"),
        ("a\u2028b\u2029c\td\x00e\x0bf", "a b c d e f"),
        ("zero\u200bwidth\u202eright-to-left", "zero width right-to-left"),
        ("  many   spaces\u00a0here  ", "many spaces here"),
        ("visit https://evil.example/login", "visit https[:]//evil[.]example/login"),
        ("HTTP://EVIL.EXAMPLE", "HTTP[:]//EVIL[.]EXAMPLE"),
        ("www.evil.example", "www[.]evil[.]example"),
        ("see evil.example/path", "see evil[.]example/path"),
        ("write to mailto:me@evil.example", "write to mailto[:]me@evil[.]example"),
        ("ｅｖｉｌ．ｅｘａｍｐｌｅ", "evil[.]example"),
        ("evil。example", "evil[.]example"),
        ("http://localhost:31337/", "http[:]//localhost:31337/"),
        ("пример.рф", "пример[.]рф"),
        ("Version 3.14, 2.50 €", "Version 3.14, 2.50 €"),
        ("Anna Müller", "Anna Müller"),
        ("", ""),
        (None, ""),
    ],
)
def test_written_text_is_shown_on_one_line_without_links(written, shown):
    assert line(written) == shown


def test_long_text_is_cut_with_an_ellipsis():
    assert line("word " * 100, 20) == "word word word word…"
    assert len(line("x" * 500)) == 120


def test_text_that_fits_is_not_cut():
    assert line("x" * 120) == "x" * 120
