"""The words the synthetic pages print around their values, in the page's language.

An English page prints the labels its template always printed; a Dutch, German or French page
(`evals.variants`) prints its own, so that a locate target named `date` or `total` meets
"Factuurdatum", "Rechnungsdatum", "Total TTC" as a reader of that page would. This table plays the
printed document: it is the evaluation's own, independent of the worker's label vocabulary, and
includes what real invoices print that makes labels hard (`Total HT` beside `Total TTC`, a column
header `Bedrag` far above the total). Labels are chosen by template only, so a page draws the same
random values whatever its language.
"""

from __future__ import annotations

import re
from functools import cache

INVOICE_LABELS = {
    # invoice number, date, subtotal, tax (rate), total, IBAN, email, phone
    "en": (
        ("Invoice No:", "Date:", "Subtotal:", "Tax {}%:", "Total:", "IBAN:", "Email:", "Phone:"),
        ("Invoice #", "Invoice Date", "Net amount", "VAT {}%", "Amount due", "IBAN", "E-mail", "Tel."),
        ("Bill Number:", "Issued:", "Sub-total", "Sales tax {}%", "TOTAL", "Pay to IBAN:", "Mail:", "Telephone:"),
    ),
    "nl": (
        ("Factuurnummer:", "Factuurdatum:", "Subtotaal:", "BTW {}%:", "Totaal:", "IBAN:", "E-mail:", "Telefoon:"),
        ("Factuur nr.", "Datum", "Nettobedrag", "BTW {}%", "Te betalen", "IBAN", "E-mail", "Tel."),
        ("Factuurnr:", "Datum factuur:", "Subtotaal", "Btw {}%", "TOTAAL", "Betalen op IBAN:", "Mail:",
         "Telefoonnummer:"),
    ),
    "de": (
        ("Rechnungsnummer:", "Rechnungsdatum:", "Zwischensumme:", "MwSt. {}%:", "Gesamtbetrag:", "IBAN:", "E-Mail:",
         "Telefon:"),
        ("Rechnung Nr.", "Datum", "Nettobetrag", "USt. {}%", "Summe", "IBAN", "E-Mail", "Tel."),
        ("Rechnungs-Nr.:", "Ausgestellt am:", "Zwischensumme", "Umsatzsteuer {}%", "GESAMT", "Zahlbar an IBAN:",
         "Mail:", "Telefonnummer:"),
    ),
    "fr": (
        ("Numéro de facture", "Date de facture", "Total HT", "TVA {}%", "Total TTC", "IBAN", "E-mail", "Téléphone"),
        ("N° de facture", "Date", "Montant HT", "TVA {}%", "Net à payer", "IBAN", "Courriel", "Tél."),
        ("Facture n°", "Émise le", "Sous-total", "TVA {}%", "Montant TTC", "Payer sur IBAN", "Mail", "Téléphone"),
    ),
}  # fmt: skip
INVOICE_WORDS = {
    # title, then the item table's headers: description, quantity, unit price, amount
    "en": ("INVOICE", "Description", "Qty", "Unit price", "Amount"),
    "nl": ("FACTUUR", "Omschrijving", "Aantal", "Prijs per stuk", "Bedrag"),
    "de": ("RECHNUNG", "Beschreibung", "Menge", "Einzelpreis", "Betrag"),
    "fr": ("FACTURE", "Désignation", "Qté", "Prix unitaire", "Montant"),
}
RECEIPT_LABELS = {
    # subtotal, tax, total, item count
    "en": (
        ("SUBTOTAL", "TAX", "TOTAL", "ITEMS:"),
        ("Subtotal", "Tax", "Total", "Items:"),
        ("NET", "VAT", "TOTAL", "No. of items:"),
    ),
    "nl": (
        ("SUBTOTAAL", "BTW", "TOTAAL", "ARTIKELEN:"),
        ("Subtotaal", "Btw", "Totaal", "Artikelen:"),
        ("NETTO", "BTW", "TE BETALEN", "Aantal artikelen:"),
    ),
    "de": (
        ("ZWISCHENSUMME", "MWST", "SUMME", "ARTIKEL:"),
        ("Zwischensumme", "MwSt.", "Gesamt", "Artikel:"),
        ("NETTO", "MWST", "ZU ZAHLEN", "Anzahl Artikel:"),
    ),
    "fr": (
        ("SOUS-TOTAL", "TVA", "TOTAL", "ARTICLES:"),
        ("Sous-total", "TVA", "Total TTC", "Articles:"),
        ("TOTAL HT", "TVA", "TOTAL TTC", "Nombre d'articles:"),
    ),
}
RECEIPT_WORDS = {
    # the date's label, the closing line
    "en": ("Date:", "Thank you!"),
    "nl": ("Datum:", "Bedankt!"),
    "de": ("Datum:", "Vielen Dank!"),
    "fr": ("Date:", "Merci!"),
}
FORM_LABELS = {
    # name, date of birth, email, phone, street, postal code, city (template 2: short, in a grid)
    "en": (
        ("Full name:", "Date of birth:", "Email:", "Phone:", "Street:", "Postal code:", "City:"),
        ("Name", "Birth date", "E-mail address", "Phone number", "Address", "Postcode", "Town"),
        ("Name:", "DOB:", "Email:", "Tel:", "Street:", "ZIP:", "City:"),
    ),
    "nl": (
        ("Volledige naam:", "Geboortedatum:", "E-mail:", "Telefoon:", "Straat:", "Postcode:", "Plaats:"),
        ("Naam", "Geboortedatum", "E-mailadres", "Telefoonnummer", "Adres", "Postcode", "Woonplaats"),
        ("Naam:", "Geboren:", "E-mail:", "Tel:", "Straat:", "Postc.:", "Plaats:"),
    ),
    "de": (
        ("Vollständiger Name:", "Geburtsdatum:", "E-Mail:", "Telefon:", "Straße:", "Postleitzahl:", "Ort:"),
        ("Name", "Geburtsdatum", "E-Mail-Adresse", "Telefonnummer", "Adresse", "PLZ", "Wohnort"),
        ("Name:", "Geboren:", "E-Mail:", "Tel:", "Straße:", "PLZ:", "Ort:"),
    ),
    "fr": (
        ("Nom complet:", "Date de naissance:", "E-mail:", "Téléphone:", "Adresse:", "Code postal:", "Ville:"),
        ("Nom", "Date de naissance", "Adresse e-mail", "Numéro de téléphone", "Adresse", "Code postal", "Ville"),
        ("Nom:", "Né le:", "E-mail:", "Tél:", "Rue:", "CP:", "Ville:"),
    ),
}  # fmt: skip
FORM_WORDS = {
    # the three titles (one drawn per page), the signature line
    "en": (("Registration Form", "Customer Details", "Application Form"), "Signed on {}", " by {}"),
    "nl": (("Inschrijfformulier", "Klantgegevens", "Aanvraagformulier"), "Getekend op {}", " door {}"),
    "de": (("Anmeldeformular", "Kundendaten", "Antragsformular"), "Unterschrieben am {}", " von {}"),
    "fr": (("Formulaire d'inscription", "Coordonnées du client", "Formulaire de demande"), "Signé le {}", " par {}"),
}
_FIELDS = {
    "invoice": ("invoice_number", "date", "subtotal", "tax", "total", "iban", "email", "phone"),
    "receipt": ("subtotal", "tax", "total", "items"),
    "form": ("name", "date_of_birth", "email", "phone", "street", "postal_code", "city"),
}


def language(locale: str) -> str:
    """The table key of a page's locale (`de_DE` → de)."""
    return locale.split("_")[0]


def _label_text(label: str) -> str:
    """A printed label as the extractor reads it: no rate placeholder, no trailing colon."""
    return re.sub(r"\s*\{\}%", "", label).rstrip(": ")


@cache
def localized_labels() -> dict[tuple[str, str], tuple[str, ...]]:
    """(layout, field) → the labels non-English pages print for it, for the OCR extractor to read by."""
    out: dict[tuple[str, str], set[str]] = {}
    tables = (("invoice", INVOICE_LABELS), ("receipt", RECEIPT_LABELS), ("form", FORM_LABELS))
    for layout, table in tables:
        for lang, templates in table.items():
            if lang == "en":
                continue
            for labels in templates:
                for field, label in zip(_FIELDS[layout], labels, strict=True):
                    out.setdefault((layout, field), set()).add(_label_text(label))
    for date_label, _ in RECEIPT_WORDS.values():
        out.setdefault(("receipt", "date"), set()).add(_label_text(date_label))
    return {key: tuple(sorted(labels)) for key, labels in out.items()}
