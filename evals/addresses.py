"""E-mail addresses as real documents print them: built from the names on the page.

An invoice's address is at its vendor's domain (`rscheel@schlosser.de` on Schlosser's invoice), a
form's is its person's name (`zoefernandes@…` for Zoé Fernandes). Faker draws both from other
names, which no page prints; analyze's check of an address against the page's names
(`worker.tasks.email_names`) would then see nothing to check. Each function keeps Faker's draw
(its mailbox or number and its top-level domain), so the document's other values stay as drawn.
Names are written as addresses write them, German letters written out (`schaefer.de` for Schäfer):
anyascii alone (`schafer.de`) would make the address agree with an OCR that lost the umlaut.
"""

from __future__ import annotations

import string

from anyascii import anyascii
from nameparser import HumanName

from worker.tasks.label_vocabulary import LETTER_RUNS
from worker.tasks.lost_umlauts import written_out

MIN_DOMAIN_WORD = 3
"""Letters the vendor's word needs to be its domain (`Da Silva` → `silva`)."""


def _ascii_words(text: str) -> list[str]:
    """The text's words as an address writes them: German letters written out, as German addresses
    write them (`Schäfer` → `schaefer`, `Spieß` → `spiess`), the rest in ASCII (`Zoé` → `zoe`)."""
    return LETTER_RUNS.findall(anyascii(written_out(text)))


def vendor_email(drawn: str, vendor: str) -> str:
    """Faker's company address with the vendor's first word of `MIN_DOMAIN_WORD` letters or more as
    its domain (`rscheel@iqbal-burke.org`, `Baxter, Evans and Knowles` → `rscheel@baxter.org`)."""
    local, _, domain = drawn.rpartition("@")
    words = [w for w in _ascii_words(vendor) if len(w) >= MIN_DOMAIN_WORD]
    return f"{local}@{words[0]}.{domain.rpartition('.')[2]}" if words else drawn


def person_email(drawn: str, name: str) -> str:
    """Faker's address with the person's first and last name as its local part, its number kept
    (`diazbernadette@example.org` for Zoé Fernandes → `zoefernandes@example.org`)."""
    local, _, domain = drawn.rpartition("@")
    person = HumanName(name)
    first, last = ("".join(_ascii_words(part)) for part in (person.first, person.last))
    number = local[len(local.rstrip(string.digits)) :]
    return f"{first}{last}{number}@{domain}" if first and last else drawn
