"""E-mail addresses of the synthetic documents are built from the names their page prints."""

from __future__ import annotations

import pytest
from faker import Faker

from evals.addresses import person_email, vendor_email
from worker.tasks.emails import is_email


@pytest.mark.parametrize(
    ("drawn", "vendor", "address"),
    [
        ("rscheel@iqbal-burke.org", "Baxter, Evans and Knowles", "rscheel@baxter.org"),
        ("rscheel@schlosser.de", "Schäfer Lindau AG", "rscheel@schaefer.de"),  # umlauts written out
        ("info@peron.com", "Da Silva", "info@silva.com"),  # a word of 3 letters or more
        ("info@peron.com", "& Co", "info@peron.com"),  # none: Faker's stays
    ],
)
def test_an_invoice_address_is_at_its_vendors_domain(drawn: str, vendor: str, address: str) -> None:
    assert vendor_email(drawn, vendor) == address


@pytest.mark.parametrize(
    ("drawn", "name", "address"),
    [
        ("diazbernadette@example.org", "Zoé Fernandes", "zoefernandes@example.org"),
        ("robin56@example.com", "Dr Dean Nelson", "deannelson56@example.com"),  # the title dropped, the number kept
        ("a1@example.nl", "Aaliyah van der Meulen-Lips", "aaliyahvandermeulenlips1@example.nl"),
        ("x@example.de", "Adelinde Spieß", "adelindespiess@example.de"),
    ],
)
def test_a_form_address_is_its_persons_name(drawn: str, name: str, address: str) -> None:
    assert person_email(drawn, name) == address


@pytest.mark.parametrize("locale", ["en_US", "de_DE", "fr_FR", "nl_NL", "pl_PL"])
def test_built_addresses_are_valid(locale: str) -> None:
    fake = Faker(locale)
    fake.seed_instance(5)
    for _ in range(200):
        assert is_email(vendor_email(fake.company_email(), fake.company()))
        assert is_email(person_email(fake.email(), fake.name()))
