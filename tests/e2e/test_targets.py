"""Touch targets on a phone (WCAG 2.5.8 Target Size, Minimum): every visible control on the main
pages is at least 24 by 24 CSS pixels, or is spaced so that a 24 px circle on it touches no other
target; links inside a sentence are exempt, as WCAG exempts them."""

import pytest
from django.contrib.auth import get_user_model

from .conftest import MOBILE, log_in, main_pages, open_context, watch

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SMALL_TARGETS_JS = """
() => {
  const MIN = 24;
  const visible = (el) => {
    const s = getComputedStyle(el);
    if (s.visibility !== "visible" || s.display === "none") return false;
    if (el.closest(".visually-hidden, [hidden]")) return false;
    const r = el.getBoundingClientRect();
    return r.width > 1 && r.height > 1;  // 1 px: visually hidden until focused (skip link)
  };
  const inSentence = (el) => {
    if (el.tagName !== "A" || getComputedStyle(el).display !== "inline") return false;
    const run = el.parentElement.closest("p, li, dd, td, label, small, .form-text, .text-break");
    if (!run) return false;
    return Array.from(el.parentElement.childNodes).some(
      (node) => node !== el && node.nodeType === 3 && node.textContent.trim());
  };
  const targets = Array.from(document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]"
  )).filter(visible);
  // A control inside another (a label's input is the label's target too) is the outer one.
  const rects = targets.map((el) => el.getBoundingClientRect());
  const small = targets.map((el, i) => !inSentence(el)
    && (rects[i].width < MIN - 0.01 || rects[i].height < MIN - 0.01));
  const centre = (r) => [r.left + r.width / 2, r.top + r.height / 2];
  const distance = ([x, y], r) => Math.hypot(
    Math.max(r.left - x, 0, x - r.right), Math.max(r.top - y, 0, y - r.bottom));
  const describe = (el, r) => {
    let d = el.tagName.toLowerCase();
    if (el.id) d += "#" + el.id;
    if (el.classList.length) d += "." + Array.from(el.classList).slice(0, 4).join(".");
    const text = (el.getAttribute("aria-label") || el.textContent || el.value || "")
      .replace(/\\s+/g, " ").trim().slice(0, 30);
    return `${d} "${text}" ${Math.round(r.width)}x${Math.round(r.height)}`;
  };
  const failures = [];
  targets.forEach((el, i) => {
    if (!small[i]) return;
    const c = centre(rects[i]);
    // The spacing exception: a 24 px circle centred on it meets no other target, and no other
    // small target's circle.
    const crowded = targets.some((other, j) => {
      if (j === i || other.contains(el) || el.contains(other)) return false;
      if (small[j] && Math.hypot(c[0] - centre(rects[j])[0], c[1] - centre(rects[j])[1]) < MIN) {
        return true;
      }
      return distance(c, rects[j]) < MIN / 2;
    });
    if (crowded) failures.push(describe(el, rects[i]));
  });
  return failures;
}
"""


@pytest.fixture
def phone_pages(demo):
    return main_pages()


def test_every_control_on_a_phone_is_a_24_pixel_target(browser, live_server, phone_pages):
    users = get_user_model().objects.in_bulk(["alice", "chloe"], field_name="username")
    contexts = {}
    failures = []
    try:
        for who, path in phone_pages:
            if who not in contexts:
                contexts[who] = open_context(browser, live_server, viewport=MOBILE)
                if who:
                    log_in(contexts[who], live_server, users[who])
            page = contexts[who].new_page()
            health = watch(page, live_server)
            assert page.goto(path).status == 200, path
            failures += [f"{path} ({who or 'visitor'}) {each}"
                         for each in page.evaluate(SMALL_TARGETS_JS)]  # fmt: skip
            bell = page.locator("#notification-bell")
            if bell.count():  # the example: no spacing exception taken for it
                box = bell.bounding_box()
                assert min(box["width"], box["height"]) >= 24, box
            page.locator(".navbar-toggler").click()  # the folded menu, open
            page.locator("#navbar-menu.show").wait_for()
            failures += [f"{path} ({who or 'visitor'}, menu open) {each}"
                         for each in page.evaluate(SMALL_TARGETS_JS)]  # fmt: skip
            health.assert_clean()
            page.close()
    finally:
        for context in contexts.values():
            context.close()
    if failures:
        pytest.fail("Targets under 24 px:\n" + "\n".join(dict.fromkeys(failures)))
