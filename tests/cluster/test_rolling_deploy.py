"""A rolling deploy: while node 1 still runs release A and node 2 already runs release B, every
page's stylesheets load, whichever node the page and each stylesheet come from."""

from urllib.parse import urlsplit

import requests

from tests.cluster.harness import make_release, stylesheets

CHANGED = "css/site.css"
RELEASE_B_RULE = "\n.release-b-only { outline: 1px solid rebeccapurple; }\n"
FETCHES = 10


def style_origins(csp: str) -> list[str]:
    for directive in csp.split(";"):
        name, *sources = directive.split()
        if name == "style-src":
            return sources
    return []


def assert_allowed_by_the_page(page: requests.Response, sheet: str, site: str) -> None:
    parts = urlsplit(sheet)
    origin = f"{parts.scheme}://{parts.netloc}"
    sources = style_origins(page.headers["Content-Security-Policy"])
    # A source with a path ending in "/" allows what lies under it (CSP Level 3, 6.7.2.10).
    allowed = origin == site or any(
        sheet.startswith(source) if source.endswith("/") else origin == source for source in sources
    )
    assert allowed, f"{sheet} is not allowed by style-src {sources}"


def test_two_releases_side_by_side_serve_both_releases_stylesheets(cluster):
    def change_a_stylesheet(tree):
        with (tree / "static" / CHANGED).open("a") as css:
            css.write(RELEASE_B_RULE)

    release_b = make_release(cluster.tmp / "release-b", cluster.env, change_a_stylesheet)
    first, second = cluster.nodes
    cluster.restart_node(second, release_b)

    pages = [requests.get(f"{node.url}/", timeout=30) for node in (first, second)]
    sheets = [stylesheets(page.text, cluster.url) for page in pages]
    for page, its_sheets in zip(pages, sheets, strict=True):
        assert page.status_code == 200
        for sheet in its_sheets:
            assert_allowed_by_the_page(page, sheet, cluster.url)
    [site_a] = [sheet for sheet in sheets[0] if "/css/site." in sheet]
    [site_b] = [sheet for sheet in sheets[1] if "/css/site." in sheet]
    assert site_a != site_b, "release B's changed stylesheet kept release A's address"

    failures = []
    for sheet in sorted({*sheets[0], *sheets[1]}):
        for _ in range(FETCHES):
            response = requests.get(sheet, timeout=30)
            if response.status_code != 200:
                node = response.headers.get("X-Upstream")
                failures.append(f"{response.status_code} {sheet} (from {node})")
    assert not failures, "\n".join(failures)
    assert ".release-b-only" in requests.get(site_b, timeout=30).text
    assert ".release-b-only" not in requests.get(site_a, timeout=30).text
