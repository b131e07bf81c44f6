"""The multilingual label vocabulary (worker/tasks/label_terms.toml) and the labels locate reads by it.

A value printed twice is placed by the label beside it in the page's language ("Gesamtbetrag",
"Factuurdatum", "Montant TTC"), without the model; a longer label wins over a shorter one inside it
("Total HT" is no total); the data file's shape is checked, and a bad file is refused."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from schemas.documents import OcrDocument, OcrPage, OcrWord
from schemas.requests import LocateRequest, LocateTarget
from worker.tasks.base import TaskContext
from worker.tasks.label_vocabulary import LANGUAGES, parse, phrase_of, vocabulary
from worker.tasks.labels import label_terms
from worker.tasks.locate import LABEL_CHOICE_FACTOR, LocateTask, value_regions

from .ocr_samples import NoEngine

RAW: dict[str, Any] = tomllib.loads(
    resources.files("worker.tasks").joinpath("label_terms.toml").read_text(encoding="utf-8")
)
CONCEPTS = sorted(RAW["concepts"])


def line(first_id: int, label: str, value: str, y: float) -> list[OcrWord]:
    """`label` (one word per space) from x=50, then `value` at x=700, on one line at height y."""
    words = [
        OcrWord(id=f"w{first_id + i}", text=part, bbox=(50 + 110 * i, y, 150 + 110 * i, y + 20), confidence=0.95)
        for i, part in enumerate(label.split())
    ]
    value_id = f"w{first_id + len(words)}"
    return [*words, OcrWord(id=value_id, text=value, bbox=(700, y, 790, y + 20), confidence=0.9)]


def twice(decoy: str, label: str, value: str) -> tuple[OcrDocument, str]:
    """`value` after `decoy` on one line and after `label` two lines below; and the second value's id."""
    first = line(0, decoy, value, 400)
    second = line(len(first), label, value, 480)
    page = OcrPage(index=0, width=1000, height=800, words=[*first, *second])
    return OcrDocument(pages=[page]), second[-1].id


def test_the_vocabulary_file_has_its_shape() -> None:
    assert set(RAW) == {"generic", "concepts"} and len(CONCEPTS) >= 15
    for concept, table in RAW["concepts"].items():
        assert set(table) <= {"aliases", "labelled", *LANGUAGES}, concept
        assert all(table[language] for language in ("en", "nl", "de", "fr")), concept
        assert all(isinstance(label, str) and label for language in LANGUAGES for label in table.get(language, []))
    vocab = vocabulary()
    assert set(vocab.phrases) == set(CONCEPTS)
    printed = [phrase for phrases in vocab.phrases.values() for phrase in phrases]
    assert len(printed) == len(set(printed))  # one concept per label
    assert not {"de", "la", "nr", "no", "van", "der"} & set(printed)  # too generic to be labels


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("invoice_date", "date"),
        ("invoiceDate", "date"),
        ("date_of_invoice", "date"),
        ("Factuurdatum", "date"),
        ("Date de facture", "date"),
        ("total", "total"),
        ("grand_total", "total"),
        ("Amount-Due", "total"),
        ("vat", "tax"),
        ("MwSt.", "tax"),
        ("Échéance", "due_date"),
        ("subtotal", "subtotal"),
        ("iban", "iban"),
        ("colour", None),
    ],
)
def test_names_and_hints_name_concepts(text: str, concept: str | None) -> None:
    assert vocabulary().concept_of(text) == concept


def test_terms_keep_the_name_words_and_add_every_language() -> None:
    terms = label_terms(LocateTarget(name="invoice_date", hint="de datum"))
    assert {"invoice", "date", "datum", "factuurdatum", "rechnungsdatum", "date de facture"} <= terms
    assert "de" not in terms  # a generic word of the hint is no term


def table(en: str, rest: str) -> dict[str, list[str]]:
    """A concept's table: `en` as its English label, `rest` (two letters) as the others."""
    return {"aliases": [], "en": [en], "nl": [rest], "de": [rest + "x"], "fr": [rest + "y"]}


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ({"generic": ["de"], "concepts": {"x": table("de", "aa")}}, "too generic"),
        ({"generic": [], "concepts": {"x": table("total", "aa"), "y": table("Total:", "bb")}}, "belongs to both"),
        ({"generic": [], "concepts": {"x": {"aliases": [], "en": ["total"], "nl": ["aa"], "de": ["bb"]}}}, "lacks"),
        ({"generic": [], "concepts": {"x": {**table("total", "aa"), "labelled": "yes"}}}, "true or false"),
    ],
)
def test_a_bad_vocabulary_is_refused(raw: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse(raw)


@pytest.mark.parametrize(
    ("name", "decoy", "label", "value"),
    [
        ("total", "Zwischensumme:", "Gesamtbetrag:", "4.904,94"),  # German compounds
        ("total", "Subtotaal", "Totaal", "119,00"),
        ("total", "Total HT", "Total TTC", "119,00"),  # the longer label claims its `Total`
        ("total", "Montant HT", "Montant TTC", "119,00"),  # a shared first word
        ("subtotal", "Total TTC", "Total HT", "119,00"),
        ("invoice_date", "Vervaldatum:", "Factuurdatum:", "29-03-2014"),
        ("invoice_date", "Date d'échéance", "Date de facture", "02/07/2015"),  # accents, an elision
        ("date", "Fälligkeitsdatum:", "Rechnungsdatum:", "07.05.2014"),
        ("tax", "Nettobetrag", "MwSt. 19%", "19,00"),
        ("amount_due", "Sous-total", "Net à payer", "119,00"),
    ],
)
async def test_a_label_in_the_documents_language_places_a_repeated_value(
    name: str, decoy: str, label: str, value: str
) -> None:
    document, expected = twice(decoy, label, value)
    request = LocateRequest(document=document, fields=[LocateTarget(name=name, value=value)])
    ctx = TaskContext(NoEngine())  # any model call fails the test
    [region] = (await LocateTask().run(request, ctx)).regions
    assert region.word_ids == [expected] and ctx.usage.llm_calls == 0


def test_a_label_split_across_lines_is_no_label() -> None:
    # "Montant" ends one line and "TTC" starts the next: no "Montant TTC" is printed
    document, _ = twice("Montant", "TTC", "119,00")
    request = LocateRequest(document=document, fields=[LocateTarget(name="total", value="119,00")])
    regions, choices = value_regions(request)
    assert not regions and list(choices) == ["total"]  # the model decides


@settings(max_examples=150, deadline=None)
@given(
    concept=st.sampled_from(CONCEPTS),
    other=st.sampled_from(CONCEPTS),
    language=st.sampled_from(LANGUAGES),
    other_language=st.sampled_from(LANGUAGES),
    data=st.data(),
)
def test_any_concepts_label_beats_another_concepts_label(
    concept: str, other: str, language: str, other_language: str, data: st.DataObject
) -> None:
    assume(concept != other)
    labels, decoys = RAW["concepts"][concept].get(language), RAW["concepts"][other].get(other_language)
    assume(bool(labels) and bool(decoys))
    label, decoy = data.draw(st.sampled_from(labels)), data.draw(st.sampled_from(decoys))
    target = LocateTarget(name=concept, value="119.00")
    assume(phrase_of(decoy) not in label_terms(target))  # a decoy that spells a word of the name labels it too
    document, expected = twice(decoy, label, "119.00")
    regions, choices = value_regions(LocateRequest(document=document, fields=[target]))
    assert not choices and regions[concept].word_ids == [expected]


def test_labelled_concepts_are_those_printed_with_a_label() -> None:
    labelled = vocabulary().labelled
    assert {"iban", "total", "subtotal", "tax", "invoice_number"} <= labelled
    assert not {"company", "name", "street", "city", "email", "phone", "date"} & labelled  # often printed bare


@pytest.mark.parametrize(
    ("target", "printed", "settled"),
    [
        (LocateTarget(name="iban", hint="an IBAN"), "Total", True),  # no IBAN label: not on the page
        (LocateTarget(name="bank_account"), "Totaal", True),  # an alias names the concept
        (LocateTarget(name="iban", hint="an IBAN"), "IBAN:", False),  # a label is printed: look for it
        (LocateTarget(name="iban"), "Rekeningnummer", False),  # in another language
        (LocateTarget(name="vendor", hint="the name at the top"), "Total", False),  # names are printed bare
    ],
)
async def test_a_field_always_printed_with_a_label_is_not_found_where_none_is_printed(
    target: LocateTarget, printed: str, settled: bool
) -> None:
    document = OcrDocument(pages=[OcrPage(index=0, width=1000, height=800, words=line(0, printed, "119,00", 400))])
    regions, _ = value_regions(LocateRequest(document=document, fields=[target]))
    assert (target.name in regions) is settled
    if settled:
        [region] = (
            await LocateTask().run(LocateRequest(document=document, fields=[target]), TaskContext(NoEngine()))
        ).regions
        assert region.source.value == "not_found" and region.bbox is None and region.confidence == 0


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        ("the name printed at the top", "w0"),
        ("in the page header", "w0"),
        ("the name in the footer", "w2"),
        ("printed at the bottom of the page", "w2"),
        ("the company name", None),  # no place: the model chooses
        ("top or bottom", None),  # both: no place either
    ],
)
def test_a_place_in_the_hint_picks_among_occurrences_no_label_settles(hint: str, expected: str | None) -> None:
    """A company name printed in the header and again in the footer has no label to tell them apart."""
    words = [
        OcrWord(id="w0", text="Junken", bbox=(50, 40, 150, 60), confidence=0.9),
        OcrWord(id="w1", text="Thanks", bbox=(50, 400, 150, 420), confidence=0.9),
        OcrWord(id="w2", text="Junken", bbox=(50, 760, 150, 780), confidence=0.8),
    ]
    document = OcrDocument(pages=[OcrPage(index=0, width=1000, height=800, words=words)])
    target = LocateTarget(name="store", hint=hint, value="Junken")
    regions, choices = value_regions(LocateRequest(document=document, fields=[target]))
    if expected is None:
        assert "store" in choices and "store" not in regions
    else:
        region = regions["store"]
        assert region.word_ids == [expected] and region.confidence == pytest.approx(
            LABEL_CHOICE_FACTOR * (0.9 if expected == "w0" else 0.8)
        )
