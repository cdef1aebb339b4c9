"""Two nodes serve one site: a member's session, their uploads and image addresses are the same
whichever node answers, and each node is scraped on its own."""

import io
import time

import requests
from PIL import Image

from tests.cluster.harness import (
    image_src,
    member,
    metric_samples,
    poll,
    publish_post_with_image,
)

# MEDIA_URL_PERIOD in the cluster's environment.
MEDIA_URL_PERIOD = 3600


def assert_ready(node) -> None:
    """The node answers ready, at the latest 30 s on (Redis may have just come back from
    another test's outage)."""

    def answer() -> tuple[int, str]:
        response = requests.get(f"{node.url}/readyz/", timeout=30)
        return response.status_code, response.json()["status"]

    poll(lambda: answer() == (200, "ok"), 30, lambda: f"{node.name}: {answer()}")


def test_every_node_is_ready_behind_the_load_balancer(cluster):
    for node in cluster.nodes:
        assert_ready(node)


def test_a_member_signed_in_through_one_node_is_signed_in_on_every_node(cluster):
    first, second = cluster.nodes
    alice = member(first.url)
    assert alice.get(f"{second.url}/settings/account/", allow_redirects=False,
                     timeout=30).status_code == 200  # fmt: skip
    served_by = set()
    for _ in range(4):
        page = alice.get(f"{cluster.url}/settings/account/", allow_redirects=False, timeout=30)
        assert page.status_code == 200
        served_by.add(page.headers["X-Upstream"])
    assert served_by == {f"127.0.0.1:{node.port}" for node in cluster.nodes}


def test_an_image_uploaded_through_node_1_is_shown_through_node_2(cluster):
    first, second = cluster.nodes
    alice = member(first.url)
    alt = "A lake, uploaded through node 1"
    post = publish_post_with_image(alice, first.url, alt)

    page = alice.get(f"{second.url}{post}", timeout=30)
    assert page.status_code == 200
    image = requests.get(image_src(page.text, alt, second.url), timeout=30)
    assert image.status_code == 200
    assert image.headers["Content-Type"].startswith("image/")
    assert Image.open(io.BytesIO(image.content)).size == (320, 240)


def test_image_addresses_stay_the_same_from_one_page_load_to_the_next(cluster):
    """Within MEDIA_URL_PERIOD a page names each image by the same address, whichever node
    renders it, so browsers and CDNs cache the image instead of fetching it again."""
    alice = member(cluster.url)
    alt = "A mountain, loaded twice"
    post = publish_post_with_image(alice, cluster.url, alt)
    for _ in range(2):  # again if the two loads fell on both sides of a period's end
        started = time.time()
        first = alice.get(f"{cluster.url}{post}", timeout=30)
        time.sleep(2)  # a signed address made a second later differs in its date
        second = alice.get(f"{cluster.url}{post}", timeout=30)
        if started // MEDIA_URL_PERIOD == time.time() // MEDIA_URL_PERIOD:
            break
    assert first.headers["X-Upstream"] != second.headers["X-Upstream"]  # one from each node
    addresses = [image_src(page.text, alt, cluster.url) for page in (first, second)]
    assert addresses[0] == addresses[1]
    assert requests.get(addresses[0], timeout=30).status_code == 200


def test_each_nodes_metrics_are_reachable_directly_and_carry_its_name(cluster):
    for node in cluster.nodes:
        assert requests.get(f"{node.url}/", timeout=30).status_code == 200
        samples = metric_samples(node.url, cluster.metrics_token)
        assert any(sample.name == "django_http_responses_total" for sample in samples)
        assert {sample.labels.get("node") for sample in samples} == {node.name}
