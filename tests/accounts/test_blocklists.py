"""Who may not sign up: new addresses at disposable or blocked email domains, and visitors from
blocked networks; what they see, what operators change, and that existing accounts are left
alone."""

import logging

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from apps.accounts.models import BlockedNetwork, DisposableDomain, EmailDomainRule
from tests.factories import PASSWORD, UserFactory
from tests.proof_of_work import signup_data

pytestmark = pytest.mark.django_db

REFUSED_DOMAIN = "Addresses at this domain can&#x27;t be used to sign up."
REFUSED_NETWORK = "Signing up is not possible from your network."


def signup(email: str, client: Client | None = None, **headers):
    client = client or Client()
    return client.post("/accounts/signup/", signup_data(client, email=email), headers=headers)


def created() -> bool:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username="newbie").exists()


# --- Email domains ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email",
    [
        "bot@mailinator.com",
        "bot@MAILINATOR.COM",
        "bot@x.mailinator.com",  # a subdomain
        "bot@deep.x.Mailinator.com",
        "bot@\uff4d\uff41\uff49\uff4c\uff49\uff4e\uff41\uff54\uff4f\uff52.com",  # fullwidth
    ],
)
def test_signup_refuses_an_address_at_a_disposable_domain(email):
    response = signup(email)
    assert response.status_code == 200
    assert REFUSED_DOMAIN in response.content.decode()
    assert not created()
    assert mail.outbox == []


def test_signup_accepts_an_ordinary_address():
    assert signup("newbie@example.com").status_code == 302
    assert created()


def test_an_operator_blocks_a_domain_and_its_subdomains(settings):
    EmailDomainRule.objects.create(domain="spam.example")
    assert REFUSED_DOMAIN in signup("bot@mx.spam.example").content.decode()
    assert not created()
    assert signup("bot@notspam.example").status_code == 302


def test_an_operator_allows_a_domain_the_list_wrongly_blocks():
    EmailDomainRule.objects.create(domain="mailinator.com", action=EmailDomainRule.Action.ALLOW)
    assert signup("newbie@mailinator.com").status_code == 302
    assert created()


def test_the_most_specific_rule_wins():
    EmailDomainRule.objects.create(domain="uni.example")
    EmailDomainRule.objects.create(domain="staff.uni.example", action="allow")
    assert REFUSED_DOMAIN in signup("x@students.uni.example").content.decode()
    assert signup("newbie@staff.uni.example").status_code == 302


def test_an_internationalised_domain_is_matched_in_either_spelling():
    EmailDomainRule.objects.create(domain="xn--bcher-kva.example")
    assert REFUSED_DOMAIN in signup("bot@B\u00fccher.example").content.decode()
    assert not created()


def test_a_newer_list_loaded_by_the_operator_replaces_the_shipped_one(tmp_path):
    newer = tmp_path / "list.conf"
    newer.write_text("# fresh\nfresh-throwaway.example\nNOT A DOMAIN\n\n", encoding="utf-8")
    out = []
    call_command("update_email_blocklist", str(newer), stdout=_Collect(out))
    assert "Loaded 1 disposable-mail domains" in "".join(out)
    assert list(DisposableDomain.objects.values_list("domain", flat=True)) == [
        "fresh-throwaway.example"
    ]
    assert REFUSED_DOMAIN in signup("bot@fresh-throwaway.example").content.decode()
    assert signup("newbie@mailinator.com").status_code == 302  # not on the newer list


def test_going_back_to_the_shipped_list(tmp_path):
    DisposableDomain.objects.create(domain="fresh-throwaway.example")
    call_command("update_email_blocklist", "--shipped", stdout=_Collect([]))
    assert not DisposableDomain.objects.exists()
    assert REFUSED_DOMAIN in signup("bot@mailinator.com").content.decode()


def test_an_empty_or_missing_list_changes_nothing(tmp_path):
    DisposableDomain.objects.create(domain="fresh-throwaway.example")
    empty = tmp_path / "empty.conf"
    empty.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing was changed"):
        call_command("update_email_blocklist", str(empty))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("update_email_blocklist", str(tmp_path / "missing.conf"))
    assert DisposableDomain.objects.count() == 1


def test_a_new_address_in_the_settings_is_checked_too(client):
    member = UserFactory(username="alice")
    client.force_login(member)
    data = {"email-email": "alice@mailinator.com", "email-password": PASSWORD}
    response = client.post("/settings/profile/email/", data, headers={"HX-Request": "true"})
    assert REFUSED_DOMAIN in response.content.decode()
    assert member.emailaddress_set.count() == 1
    assert mail.outbox == []


def test_allauths_own_email_page_checks_a_new_address_too(client):
    member = UserFactory(username="alice")
    client.force_login(member)
    response = client.post("/accounts/email/", {"action_add": "", "email": "a@mailinator.com"})
    assert REFUSED_DOMAIN in response.content.decode()
    assert member.emailaddress_set.count() == 1


def test_a_member_whose_address_is_now_blocked_keeps_signing_in_and_resetting():
    member = UserFactory(username="old_timer", email="old@mailinator.com")
    client = Client()
    client.post("/accounts/login/", {"login": "old@mailinator.com", "password": PASSWORD})
    assert client.session.get("_auth_user_id") == str(member.pk)
    response = Client().post("/accounts/password/reset/", {"email": "old@mailinator.com"})
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["old@mailinator.com"]


# --- Networks --------------------------------------------------------------------------------


def test_a_visitor_from_a_blocked_network_is_told_and_nothing_is_created(caplog):
    BlockedNetwork.objects.create(network="203.0.113.0/24")
    client = Client(REMOTE_ADDR="203.0.113.9")
    page = client.get("/accounts/signup/")
    assert page.status_code == 403
    assert REFUSED_NETWORK in page.content.decode()
    with caplog.at_level(logging.WARNING, logger="apps.accounts.blocklists"):
        response = signup("newbie@example.com", client)
    assert response.status_code == 403
    assert not created()
    assert "203.0.113.9 is in the blocked network 203.0.113.0/24" in caplog.text


def test_a_visitor_from_elsewhere_signs_up():
    BlockedNetwork.objects.create(network="203.0.113.0/24")
    assert signup("newbie@example.com", Client(REMOTE_ADDR="198.51.100.7")).status_code == 302


def test_the_client_address_is_the_one_the_rate_limits_see(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    BlockedNetwork.objects.create(network="203.0.113.0/24")
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    # What the client wrote itself (left of the proxy's entry) does not count.
    blocked = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9"}
    assert signup("newbie@example.com", proxy, **blocked).status_code == 403
    spoofed = {"X-Forwarded-For": "203.0.113.9, 198.51.100.7"}
    assert signup("newbie@example.com", proxy, **spoofed).status_code == 302


def test_an_ipv6_range_blocks_every_address_in_it():
    BlockedNetwork.objects.create(network="2001:db8:42::/48")
    assert signup("newbie@example.com", Client(REMOTE_ADDR="2001:db8:42:7::1")).status_code == 403
    assert signup("newbie@example.com", Client(REMOTE_ADDR="2001:db8:43::1")).status_code == 302


def test_members_from_a_blocked_network_still_sign_in():
    member = UserFactory(username="alice")
    BlockedNetwork.objects.create(network="203.0.113.0/24")
    client = Client(REMOTE_ADDR="203.0.113.9")
    client.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
    assert client.session.get("_auth_user_id") == str(member.pk)


def test_the_signup_check_is_one_small_query_per_list(django_assert_max_num_queries):
    BlockedNetwork.objects.bulk_create(
        [BlockedNetwork(network=f"198.18.{n}.0/24") for n in range(50)]
    )
    with django_assert_max_num_queries(3):
        from apps.accounts import blocklists

        assert blocklists.email_domain_blocked("bot@x.mailinator.com")
    client = Client(REMOTE_ADDR="198.18.49.1")
    with django_assert_max_num_queries(4):  # the session, the list
        assert client.get("/accounts/signup/").status_code == 403


# --- The admin -------------------------------------------------------------------------------


@pytest.fixture
def staff_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True, username="operator"))
    return client


def test_the_admin_stores_a_domain_in_its_ascii_lower_case_form(staff_client):
    data = {"domain": "@B\u00fccher.Example.", "action": "block"}
    response = staff_client.post("/admin/accounts/emaildomainrule/add/", data)
    assert response.status_code == 302
    assert EmailDomainRule.objects.get().domain == "xn--bcher-kva.example"


@pytest.mark.parametrize("domain", ["not a domain", "com", "-bad-.example", "a@b@c"])
def test_the_admin_refuses_what_is_not_a_domain(staff_client, domain):
    response = staff_client.post("/admin/accounts/emaildomainrule/add/",
                                 {"domain": domain, "action": "block"})  # fmt: skip
    assert response.status_code == 200
    assert "Enter a domain name, such as example.com." in response.content.decode()
    assert not EmailDomainRule.objects.exists()


@pytest.mark.parametrize(
    ("network", "stored"),
    [("203.0.113.7/24", "203.0.113.0/24"), ("2001:DB8::/48", "2001:db8::/48"),
     ("198.51.100.7", "198.51.100.7/32")],
)  # fmt: skip
def test_the_admin_stores_a_network_in_its_canonical_form(staff_client, network, stored):
    response = staff_client.post("/admin/accounts/blockednetwork/add/", {"network": network})
    assert response.status_code == 302
    assert BlockedNetwork.objects.get().network == stored


@pytest.mark.parametrize(
    ("network", "message"),
    [("300.1.2.3", "Enter an address or a range"), ("2001:db8::1", "use /64 or a wider range")],
)
def test_the_admin_refuses_a_network_it_cannot_match(staff_client, network, message):
    response = staff_client.post("/admin/accounts/blockednetwork/add/", {"network": network})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not BlockedNetwork.objects.exists()


def test_the_admin_shows_the_loaded_list_but_does_not_edit_it(staff_client):
    DisposableDomain.objects.create(domain="fresh-throwaway.example")
    page = staff_client.get("/admin/accounts/disposabledomain/", {"q": "fresh"})
    assert "fresh-throwaway.example" in page.content.decode()
    assert staff_client.get("/admin/accounts/disposabledomain/add/").status_code == 403


class _Collect:
    def __init__(self, into: list[str]) -> None:
        self.into = into

    def write(self, text: str) -> None:
        self.into.append(text)

    def flush(self) -> None:
        pass
