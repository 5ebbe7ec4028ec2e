"""Shared fixtures for the recognizer tests: one trained model per session (training takes ~2 s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from intents.customers import CustomerDirectory
from intents.offline import OfflineRecognizer
from intents.recognizer import RecognitionContext

SHARED_NLU = Path(__file__).resolve().parents[2].parent / "shared" / "nlu"
DIRECTORY_ROWS = [
    {"companyName": "Contoso", "domain": "contoso.onmicrosoft.com"},
    {"companyName": "Contoso Pharma", "domain": "contosopharma.onmicrosoft.com"},
    {"companyName": "Fabrikam", "domain": "fabrikam.onmicrosoft.com"},
    {"companyName": "Northwind Traders", "domain": "northwind.onmicrosoft.com"},
    {"companyName": "Wingtip Toys", "domain": "wingtiptoys.onmicrosoft.com"},
    {"companyName": "Margie's Travel", "domain": "margiestravel.onmicrosoft.com"},
    {"companyName": "Litware", "domain": "litware.onmicrosoft.com"},
    {"companyName": "Kowalski Dental", "domain": "kowalskidental.onmicrosoft.com"},
]


@pytest.fixture(scope="session")
def recognizer() -> OfflineRecognizer:
    return OfflineRecognizer()


@pytest.fixture(scope="session")
def directory() -> CustomerDirectory:
    return CustomerDirectory.from_records(DIRECTORY_ROWS)


@pytest.fixture(scope="session")
def context(directory: CustomerDirectory) -> RecognitionContext:
    return RecognitionContext(customers=directory)
