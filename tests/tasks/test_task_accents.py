"""French words whose accent OCR read as another (`worker.tasks.accents`), and analyze's issue."""

from __future__ import annotations

import gzip
import json
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.documents import OcrDocument, OcrField, OcrPage, OcrWord
from schemas.requests import AnalyzeRequest, ExpectedField, FieldFormat
from schemas.results import IssueKind, Severity
from worker.tasks.accents import ACUTE_BEFORE_MUTE_E, REASON, SWAP_REASON, grave_fix
from worker.tasks.checks import rule_issues
from worker.tasks.lexicon import COMMON


@pytest.mark.parametrize(
    ("value", "fixed"),
    [
        ("Pauline-Maggie Lefévre", "Pauline-Maggie Lefèvre"),  # seed 4: Tesseract and RapidOCR
        ("Pauline-Maggie Letévre", "Pauline-Maggie Letèvre"),  # a letter misread too: the accent still is
        ("LEFÉVRE", "LEFÈVRE"),
        ("fromage de chévre", "fromage de chèvre"),
        ("Genéve", "Genève"),
        ("Lefévre-Dupont", "Lefèvre-Dupont"),
        ("les piéces", "les pièces"),
    ],
)
def test_an_acute_accent_before_a_consonant_and_a_final_mute_e_is_made_grave(value: str, fixed: str) -> None:
    assert grave_fix(value) == fixed


@pytest.mark.parametrize(
    "value", ["Lefèvre", "René", "Émile", "Hélène", "Thérèse", "précédent", "médecin", "Désirée", "Lefevre", "Café"]
)
def test_words_french_spelling_allows_are_left_alone(value: str) -> None:
    assert grave_fix(value) is None


def test_no_common_french_word_breaks_the_rule() -> None:
    """The rule's claim, on pyspellchecker's French counts: what breaks it is rare (`péche`, 50)."""
    packed = resources.files("spellchecker").joinpath("resources", "fr.json.gz").read_bytes()
    counts: dict[str, int] = json.loads(gzip.decompress(packed))
    breaking = {w for w, n in counts.items() if ACUTE_BEFORE_MUTE_E.search(w)}
    assert breaking and all(counts[w] < COMMON for w in breaking)
    assert sum(counts[w] for w in breaking) * 10_000 < sum(counts.values())


@given(st.text(alphabet="abcdelmnrsvéèÉ -", max_size=30))
def test_the_fix_only_makes_acute_accents_grave_and_leaves_nothing_to_fix(value: str) -> None:
    fixed = grave_fix(value)
    if fixed is None:
        return
    assert len(fixed) == len(value) and grave_fix(fixed) is None
    assert all(a == b or (a, b) in {("é", "è"), ("É", "È")} for a, b in zip(value, fixed, strict=True))


def word(word_id: str, text: str, x0: float, y: float) -> OcrWord:
    return OcrWord(id=word_id, text=text, bbox=(x0, y, x0 + 120, y + 24), confidence=0.95)


def form(*labels: str, name: str = "Pauline-Maggie Lefévre") -> OcrDocument:
    """A form: its labels down the left, the name on the first line."""
    words = [word(f"l{i}", label, 60, 100 + 60 * i) for i, label in enumerate(labels)]
    page = OcrPage(index=0, width=1200, height=1600, words=[*words, word("n0", name, 300, 100)])
    return OcrDocument(pages=[page], fields=[OcrField(name="name", value=name, word_ids=["n0"], confidence=0.95)])


def name_issues(document: OcrDocument) -> list:
    expected = [ExpectedField(name="name", format=FieldFormat.TEXT)]
    return rule_issues(AnalyzeRequest(document=document, expected_fields=expected, use_llm=False))


FRENCH = ("Nom", "Adresse", "Ville", "Téléphone")


def test_analyze_flags_the_accent_on_a_french_page_with_the_grave_one_suggested() -> None:
    [issue] = name_issues(form(*FRENCH))
    assert (issue.field, issue.kind, issue.severity, issue.message) == (
        "name",
        IssueKind.IMPLAUSIBLE_VALUE,
        Severity.MEDIUM,
        REASON,
    )
    assert (issue.suggested_value, issue.word_ids) == ("Pauline-Maggie Lefèvre", ["n0"])


def test_a_page_in_another_language_or_none_keeps_its_accents() -> None:
    """Hungarian writes é there (`Béke`): the rule holds only where the labels are French."""
    assert name_issues(form("Name", "Adresse", "Stadt", "Telefon", name="Béke Dénes")) == []
    assert name_issues(form(name="Béke")) == []
    assert name_issues(form(*FRENCH, name="Pauline-Maggie Lefèvre")) == []


@pytest.mark.parametrize(
    ("value", "fixed"),
    [
        ("rue de Noêl", "rue de Noël"),  # seed 3: RapidOCR read the diaeresis as a circumflex
        ("RUE DE NOÊL", "RUE DE NOËL"),
        ("Crëpes du Frêre", "Crêpes du Frère"),
    ],
)
def test_a_word_one_accent_makes_a_common_word_gets_that_accent_on_a_french_page(value: str, fixed: str) -> None:
    [issue] = name_issues(form(*FRENCH, name=value))
    assert (issue.kind, issue.severity, issue.message, issue.suggested_value) == (
        IssueKind.IMPLAUSIBLE_VALUE,
        Severity.MEDIUM,
        SWAP_REASON,
        fixed,
    )


@pytest.mark.parametrize("value", ["rue de Noël", "Antônio Côte", "Zoé Mercier", "Noel Dupont", "Célèste Hélène"])
def test_listed_words_names_and_words_without_accents_keep_theirs(value: str) -> None:
    assert name_issues(form(*FRENCH, name=value)) == []


def test_an_accent_swap_is_judged_on_french_pages_only() -> None:
    """Brazil writes `Colônia` where Portugal's list holds `Colónia`: off French pages, no word is judged."""
    assert name_issues(form("Nome", "Endereço", "Cidade", name="Rua Colônia")) == []
    assert name_issues(form(name="rue de Noêl")) == []


@pytest.mark.parametrize("locale", ["fr_FR", "fr_CH", "fr_CA", "fr_BE"])
def test_faker_french_values_printed_right_keep_their_accents(locale: str) -> None:
    from faker import Faker

    from worker.tasks.accents import accent_issue

    fake = Faker(locale)
    fake.seed_instance(19)
    for _ in range(300):
        for value in (fake.name(), fake.company(), fake.street_address(), fake.city()):
            field = OcrField(name="name", value=value, word_ids=["n0"], confidence=0.95)
            assert accent_issue(field, "fr") is None, value
