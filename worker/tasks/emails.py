"""An e-mail address email-validator accepts, which OCR may still have misread.

OCR reads a digit as a look-alike letter (`0l` for `01`) and a letter as another (`exampie` for
`example`); the address stays valid, and only its words tell. The local part's closing number never
ends in a letter; the name before it ends in a digit's look-alike only where the word lists hold
the name without it and not with it; a domain word is checked against the common words
(`lexicon`). A label printed before the address may lose its space to OCR and start the local part
(`Mailcostapaul@`).
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from .label_vocabulary import letters_of, vocabulary
from .lexicon import fix_words, is_known
from .normalize import OCR_DIGIT_LOOKALIKES


def is_email(text: str) -> bool:
    try:
        validate_email(text.strip(), check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


_DIGIT_LETTERS = re.escape("".join(map(chr, OCR_DIGIT_LOOKALIKES)))
# A local part's closing number: a digit, then digits or letters OCR reads for digits (`sibille0l`).
_CLOSING_NUMBER = re.compile(rf"\d[\d{_DIGIT_LETTERS}]*$")
# A closing number OCR read as letters only, told by a capital after a name in small letters
# (`sibilleOl`): two characters at least, since one capital may be the initial of a surname.
_DIGIT_CAPITALS = "".join(c for c in map(chr, OCR_DIGIT_LOOKALIKES) if c.isupper())
_LETTERS_FOR_NUMBER = re.compile(rf"(?<=[^\W\d_])[{_DIGIT_CAPITALS}][{_DIGIT_LETTERS}]+$")
# The name before that number, and its last letter when OCR reads it for a digit (`noemi`, `l`, `3`).
_NAME_THEN_NUMBER = re.compile(rf"([^\W\d_]+)([{_DIGIT_LETTERS}])(\d+)$")
MIN_NAME_LETTERS = 4
"""Letters the name before a local part's number needs before its last letter may be a digit
misread: a shorter one is a listed word by chance too often."""


EMAIL_CONCEPT = "email"
MIN_LOCAL_AFTER_LABEL = 4
"""Characters the local part needs after a glued label: a name that starts like one (`Mailin@`,
`Maileen@`) leaves fewer."""
LABEL_MARKS = ":."
"""What may close a label glued to the address (`Mail:costa@`)."""


def without_glued_label(local: str) -> str | None:
    """The local part without an e-mail label that OCR glued to it (`Mailcostapaul` → `costapaul`,
    `E-Mail:jo.weber` → `jo.weber`), else None. A label is one word of the vocabulary's `email`
    concept (`Mail`, `E-mail`, `Courriel`, `E-mailadres`), starting with a capital as labels are
    printed and addresses are not; what follows has no capital and at least
    `MIN_LOCAL_AFTER_LABEL` characters. A mailbox in small letters (`mailroom@`, `mail@`) is kept."""
    if not local[:1].isupper():
        return None
    labels = {phrase for phrase in vocabulary().phrases[EMAIL_CONCEPT] if " " not in phrase}
    for end in range(len(local), 1, -1):  # the longest label first (`E-mailadres`, not `E-mail`)
        rest = local[end:].lstrip(LABEL_MARKS)
        if letters_of(local[:end]) in labels and rest[:1].isalnum() and rest == rest.lower():
            return rest if len(rest) >= MIN_LOCAL_AFTER_LABEL else None
    return None


def number_start_reading(local: str) -> tuple[str, str, str] | None:
    """(name, letter, local part with that letter read as a digit) when the local part ends in a
    name whose last letter is a digit's look-alike, then digits (`noemil3` → `noemi`, `l`,
    `noemi13`); None otherwise. Whether the letter is the number's is the caller's to judge."""
    found = _NAME_THEN_NUMBER.search(local)
    if found is None:
        return None
    name, letter, digits = found.groups()
    return name, letter, local[: found.start()] + name + letter.translate(OCR_DIGIT_LOOKALIKES) + digits


def _number_start_fix(local: str) -> str:
    """The local part with the letter before its closing number read as a digit when the name is a
    listed word without it and none with it (`noemil3` → `noemi13`, `davido3` → `david03`; `paulo12`
    and `daniel12` keep theirs), or when it is a capital after a name in small letters, which no
    name ends on (`robinS6` → `robin56`: seed 9). Faker's addresses of 12 locales, misread nowhere,
    were changed 62 times in 36,000 (`falko18`, `serpil09`: names the lists lack, whose stem they hold)."""
    reading = number_start_reading(local)
    if reading is None:
        return local
    name, letter, fixed = reading
    capital = letter.isupper() and name.islower()
    if not capital and (len(name) < MIN_NAME_LETTERS or is_known(name + letter) or not is_known(name)):
        return local
    return fixed


def _letters_for_number(local: str) -> re.Match[str] | None:
    """The closing run of digit look-alikes in `local` when it starts with a capital after a name in
    small letters (`sibilleOl`: no name ends on a capital there); else None."""
    found = _LETTERS_FOR_NUMBER.search(local)
    if found is None or not local[: found.start()].islower():
        return None
    return found


def email_misread_fix(text: str) -> str | None:
    """The address as it most likely reads when OCR misread it (valid syntax, wrong address):
    letters read for digits in the local part's closing number (`sibille0l` → `sibille01`; a
    number never ends in a letter there, while `paulo12` keeps its `o`; `sibilleOl`, all letters,
    when a capital after small letters starts it) or starting it after a listed name (`noemil3` →
    `noemi13`, `_number_start_fix`), and a domain word one look-alike swap from a common word
    (`exampie.net` → `example.net`, `lexicon.misread_fix`); else None. The local part's words are
    names, which the word lists mostly lack, so no look-alike swap is sought in them; domains are
    names too at times, and 10 of 12,975 Faker domain words of 12 locales (`karner.at` → `kamer`)
    were taken for misreadings."""
    local, at, domain = text.strip().rpartition("@")
    local = without_glued_label(local) or local
    number = _CLOSING_NUMBER.search(local) or _letters_for_number(local)
    if number is not None:
        local = _number_start_fix(local[: number.start()] + number.group().translate(OCR_DIGIT_LOOKALIKES))
    *names, top = domain.split(".")  # the top-level domain is no word
    fixed = f"{local}{at}{'.'.join([*map(fix_words, names), top])}"
    return fixed if fixed != text.strip() and is_email(fixed) else None
