"""No stock Bootstrap blue anywhere: every main page, in the light and the dark theme, with a
checked box, a focused field and button and an open menu where the page has them, is scanned
element by element (and their ::before/::after) for Bootstrap's default blues and cyans in
every computed colour, shadow and background image. Everything is in the site's teal."""

import pytest
from django.contrib.auth import get_user_model

from .conftest import DESKTOP, assert_accessible, log_in, main_pages, open_context, shoot, watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Bootstrap 5.3's primary and info, their tints and shades, hover/active and focus-shadow mixes.
BOOTSTRAP_BLUES = {
    "0d6efd": "primary", "6ea8fe": "primary (dark text)", "cfe2ff": "primary bg-subtle",
    "9ec5fe": "primary border-subtle", "0a58ca": "link hover", "084298": "primary dark border",
    "031633": "primary dark bg-subtle", "052c65": "primary text-emphasis",
    "86b7fe": "focus border", "0b5ed7": "primary hover", "0a53be": "primary active border",
    "3184fd": "primary focus shadow", "0dcaf0": "info", "6edff6": "info (dark text)",
    "cff4fc": "info bg-subtle", "9eeaf9": "info border-subtle", "055160": "info text-emphasis",
    "032830": "info dark bg-subtle", "087990": "info dark border", "0bacce": "info focus shadow",
    "31d2f2": "info hover", "3dd5f3": "info active",
}  # fmt: skip

SCAN_JS = """
(blues) => {
  const triples = {};
  for (const [hex, name] of Object.entries(blues)) {
    const n = parseInt(hex, 16);
    triples[[(n >> 16) & 255, (n >> 8) & 255, n & 255].join(",")] = hex + " " + name;
  }
  const PROPS = ["color", "background-color", "border-top-color", "border-right-color",
    "border-bottom-color", "border-left-color", "outline-color", "box-shadow", "fill", "stroke",
    "text-decoration-color", "caret-color", "background-image", "column-rule-color"];
  const found = [];
  const describe = (el, pseudo) => {
    let d = el.tagName.toLowerCase();
    if (el.id) d += "#" + el.id;
    if (el.classList.length) d += "." + Array.from(el.classList).join(".");
    return d + (pseudo || "");
  };
  const check = (el, style, pseudo) => {
    for (const prop of PROPS) {
      const value = style.getPropertyValue(prop);
      if (!value || value === "none") continue;
      for (const m of value.matchAll(/rgba?\\((\\d+),\\s*(\\d+),\\s*(\\d+)/g)) {
        const hit = triples[[m[1], m[2], m[3]].join(",")];
        if (hit) found.push(`${describe(el, pseudo)} ${prop}: ${value} (${hit})`);
      }
      for (const m of value.matchAll(/(?:#|%23)([0-9a-fA-F]{6})/g)) {
        const hex = m[1].toLowerCase();
        if (blues[hex]) found.push(`${describe(el, pseudo)} ${prop}: #${hex} (${blues[hex]})`);
      }
    }
  };
  for (const el of document.querySelectorAll("*")) {
    check(el, getComputedStyle(el), "");
    for (const pseudo of ["::before", "::after", "::marker", "::placeholder"]) {
      const style = getComputedStyle(el, pseudo);
      if (pseudo === "::before" || pseudo === "::after") {
        if (style.content === "none" || style.content === "normal") continue;
      }
      check(el, style, pseudo);
    }
  }
  return Array.from(new Set(found));
}
"""


def blues_in(page, state: str) -> list[str]:
    return [f"[{state}] {hit}" for hit in page.evaluate(SCAN_JS, BOOTSTRAP_BLUES)]


# Every coloured Bootstrap component the site uses or may use, added to the page for the scan:
# the pages above cannot show a toast of each level, a progress bar or a pagination at once.
SAMPLER_JS = """
() => {
  const sampler = document.createElement("div");
  sampler.id = "palette-sampler";
  sampler.innerHTML = `
    <div class="toast show text-bg-info"><div class="toast-body">Info</div></div>
    <div class="toast show text-bg-success"><div class="toast-body">Saved</div></div>
    <div class="alert alert-info">Info</div><div class="alert alert-primary">Primary</div>
    <span class="badge text-bg-info">Info</span><span class="badge text-bg-primary">New</span>
    <span class="text-primary">Primary</span><span class="text-info">Info</span>
    <span class="text-primary-emphasis bg-primary-subtle border border-primary-subtle">P</span>
    <span class="text-info-emphasis bg-info-subtle border border-info-subtle">I</span>
    <span class="bg-primary">Primary</span><span class="bg-info">Info</span>
    <a class="link-primary" href="#">Link</a><a class="link-info" href="#">Link</a>
    <button class="btn btn-primary">P</button><button class="btn btn-outline-primary">P</button>
    <button class="btn btn-info">I</button><button class="btn btn-outline-info">I</button>
    <button class="btn btn-link">L</button>
    <ul class="nav nav-pills">
      <li class="nav-item"><a class="nav-link active" href="#">A</a></li></ul>
    <div class="list-group">
      <a class="list-group-item list-group-item-action active" href="#">A</a></div>
    <ul class="pagination"><li class="page-item active"><a class="page-link" href="#">1</a></li>
      <li class="page-item"><a class="page-link" href="#">2</a></li></ul>
    <div class="progress"><div class="progress-bar w-50"></div></div>
    <ul class="dropdown-menu show position-static">
      <li><a class="dropdown-item active" href="#">A</a></li></ul>
    <input class="form-check-input" type="checkbox" checked aria-label="c">
    <input class="form-check-input" type="radio" checked aria-label="r">
    <div class="form-check form-switch">
      <input class="form-check-input" type="checkbox" role="switch" checked aria-label="s"></div>
    <input class="form-range" type="range" aria-label="r">`;
  document.querySelector("main").appendChild(sampler);
  const box = sampler.querySelector("input[type=checkbox]");
  box.indeterminate = true;
}
"""


def scan_in_every_state(page) -> list[str]:
    """The page as loaded; with every box checked; with keyboard focus on a field, a select, a
    box, a button and a link; with each kind of menu open."""
    found = blues_in(page, "loaded")
    page.evaluate(
        "() => document.querySelectorAll('input[type=checkbox], input[type=radio]')"
        ".forEach(box => { box.checked = true; })"
    )
    found += blues_in(page, "checked")
    page.keyboard.press("Shift")  # the last input was a key: focus is shown (:focus-visible)
    for selector in (
        "input.form-control:visible",
        "textarea:visible",
        "select:visible",
        "input.form-check-input:visible",
        ".btn-primary:visible",
        ".btn-outline-secondary:visible",
        ".btn-link:visible",
        ".nav-link:visible",
        ".btn-close:visible",
        "main a:visible",
    ):
        target = page.locator(selector).first
        if target.count():
            target.focus()
            found += blues_in(page, f"focus {selector}")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    member_menu = page.locator(".site-bar [data-bs-toggle=dropdown]")
    if member_menu.count() and member_menu.first.is_visible():
        member_menu.first.click()
        page.locator(".dropdown-menu.show").wait_for()
        found += blues_in(page, "member menu open")
        item = page.locator(".dropdown-menu.show .dropdown-item").first
        item.hover()
        found += blues_in(page, "member menu item hovered")
        item.focus()
        found += blues_in(page, "member menu item focused")
        page.keyboard.press("Escape")
    card_menu = page.locator("details.post-menu > summary")
    if card_menu.count():
        card_menu.first.click()
        found += blues_in(page, "card menu open")
        page.locator("details.post-menu[open] .dropdown-item").first.hover()
        found += blues_in(page, "card menu item hovered")
    page.evaluate(SAMPLER_JS)
    found += blues_in(page, "every component")
    for selector in ("#palette-sampler .form-range", "#palette-sampler [role=switch]",
                     "#palette-sampler .page-link", "#palette-sampler .btn-info"):  # fmt: skip
        page.locator(selector).first.focus()
        found += blues_in(page, f"focus {selector}")
    page.evaluate("() => document.getElementById('palette-sampler').remove()")
    return found


@pytest.fixture
def pages_to_scan(demo):
    return main_pages()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_no_bootstrap_blue_on_any_main_page(browser, live_server, pages_to_scan, theme):
    users = get_user_model().objects.in_bulk(["alice", "chloe"], field_name="username")
    contexts = {}
    found = {}  # each colour once per page, with the first state it showed in
    try:
        for who, path in pages_to_scan:
            if who not in contexts:
                # Without transitions: a focus glow is scanned at its end colour, not half way.
                contexts[who] = open_context(
                    browser, live_server, viewport=DESKTOP, color_scheme=theme,
                    reduced_motion="reduce",
                )  # fmt: skip
                if who:
                    log_in(contexts[who], live_server, users[who])
            page = contexts[who].new_page()
            health = watch(page, live_server)
            response = page.goto(path)
            assert response.status == 200, f"{path}: {response.status}"
            assert page.evaluate("() => document.documentElement.dataset.bsTheme") == theme
            assert_accessible(page)
            if path == "/moderation/":  # tabs, buttons and links in the palette, for the README
                shoot(page, "palette-moderation" + ("-dark" if theme == "dark" else ""))
            for hit in scan_in_every_state(page):
                state, _, what = hit.partition("] ")
                found.setdefault(f"{path} ({who or 'visitor'}) {what}", f"{state}]")
            health.assert_clean()
            page.close()
    finally:
        for context in contexts.values():
            context.close()
    assert found == {}, "\n".join(f"{state} {hit}" for hit, state in found.items())
