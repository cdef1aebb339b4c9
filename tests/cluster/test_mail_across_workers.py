"""Mail leaves through whichever worker is free, and a worker lost in the middle of a delivery
(kill -9, the OOM killer, a machine gone) loses no mail and sends none twice."""

import os
import signal
import time

import requests

from tests.cluster.harness import FROM_THE_BALANCER, pid_connected_from, poll

# A mail counts as sent once the server accepted it; a second copy would come within a few
# leases of the first, if at all.
SETTLE_LEASES = 3


def ask_for_a_password_reset(url: str, address: str) -> None:
    session = requests.Session()
    session.headers.update(FROM_THE_BALANCER)
    session.get(f"{url}/accounts/password/reset/", timeout=30)
    response = session.post(
        f"{url}/accounts/password/reset/",
        data={"email": address, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        allow_redirects=False, timeout=30,
    )  # fmt: skip
    assert response.status_code == 302, response.text[:1000]


def mail_tasks(cluster) -> str:
    rows = [(status, workers) for _, status, _, workers in cluster.tasks(".deliver_mail")]
    return f"; the queue's mail tasks (status, workers): {rows}"


def assert_delivered_by_alone(cluster, worker, address: str) -> None:
    """Queue a mail while every other worker is paused: this worker must send it."""
    others = [other for other in cluster.workers if other is not worker]
    for other in others:
        os.kill(other.pid, signal.SIGSTOP)
    try:
        ask_for_a_password_reset(cluster.url, address)
        failure = f"{worker.name} sent no mail to {address}"
        poll(
            lambda: cluster.mailbox.received_by(address), 60, lambda: failure + mail_tasks(cluster)
        )
    finally:
        for other in others:
            os.kill(other.pid, signal.SIGCONT)
    [mail] = cluster.mailbox.received_by(address)
    assert "/accounts/password/reset/key/" in mail


def test_either_worker_delivers_mail(cluster):
    first, second = cluster.workers
    assert_delivered_by_alone(cluster, first, "dora@example.com")
    assert_delivered_by_alone(cluster, second, "erin@example.com")


def test_a_worker_killed_mid_delivery_leaves_the_mail_to_another_which_sends_it_once(cluster):
    address = "fred@example.com"
    mailbox, lease = cluster.mailbox, cluster.lease_seconds
    mailbox.hold_next(address)
    ask_for_a_password_reset(cluster.url, address)
    poll(mailbox.holding.is_set, 60, lambda: "no worker began the delivery" + mail_tasks(cluster))
    peer_port = mailbox.held_peer[1]
    [holder] = [w for w in cluster.workers if pid_connected_from(peer_port, [w.pid]) == w.pid]

    # The worker renews its lease while the conversation lasts: nobody else starts the same
    # delivery meanwhile, however slow the mail server (here two leases; the mailer itself
    # gives up after 10 s).
    time.sleep(2 * lease)
    assert len(mailbox.attempts_for(address)) == 1, "a second worker took a task still running"

    holder.process.kill()
    mailbox.let_go.set()
    try:
        failure = f"the mail never came after {holder.name} was killed"
        poll(
            lambda: mailbox.received_by(address), 60 + lease, lambda: failure + mail_tasks(cluster)
        )
        time.sleep(SETTLE_LEASES * lease)
        assert len(mailbox.received_by(address)) == 1, mail_tasks(cluster)
    finally:
        holder.start(cluster.release)
        holder.wait()
