"""Utilities (api.md §15): address validation (X1) and market rules (X4). Domain availability (X2) lives with
the customers because it answers from the same domain index.

Address validation answers 200 with a `status` (the current API; the 2021 API's 400 2007 is not emulated):
`VerifiedShippable` for an exact known address, `Verified` for a well-formed one, `InteractionRequired` with a
suggested correction when a known postal code names another city/state, and `None` with a `validationMessage`
when the address breaks its market's rules (postal code format, required state). Malformed requests (no
country, not two letters, missing street or city) are 400 800002 before any validation.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from sandbox.context import body_of
from sandbox.envelope import json_response
from sandbox.errors import invalid_input, not_found

routes = web.RouteTableDef()

_US_STATES = ("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM "
              "NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY").split()
_CA_PROVINCES = "AB BC MB NB NL NS NT NU ON PE QC SK YT".split()
_AU_STATES = "ACT NSW NT QLD SA TAS VIC WA".split()

# iso2 -> (culture, languages, postal regex, state required, states, phone regex)
MARKETS: dict[str, tuple[str, tuple[str, ...], str, bool, list[str], str]] = {
    "US": ("en-US", ("en", "es"), r"^\d{5}(-\d{4})?$", True, _US_STATES, r"^\+?1?\d{10}$"),
    "CA": ("en-CA", ("en", "fr"), r"^[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d$", True, _CA_PROVINCES, r"^\+?1?\d{10}$"),
    "AU": ("en-AU", ("en",), r"^\d{4}$", True, _AU_STATES, r"^\+?\d{8,12}$"),
    "GB": ("en-GB", ("en",), r"^[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}$", False, [], r"^\+?\d{10,13}$"),
    "IE": ("en-IE", ("en", "ga"), r"^[A-Za-z]\d[\dWw] ?[A-Za-z\d]{4}$", False, [], r"^\+?\d{9,13}$"),
    "DE": ("de-DE", ("de", "en"), r"^\d{5}$", False, [], r"^\+?\d{6,14}$"),
    "FR": ("fr-FR", ("fr",), r"^\d{5}$", False, [], r"^\+?\d{9,12}$"),
    "NL": ("nl-NL", ("nl", "en"), r"^\d{4} ?[A-Za-z]{2}$", False, [], r"^\+?\d{9,12}$"),
    "SE": ("sv-SE", ("sv",), r"^\d{3} ?\d{2}$", False, [], r"^\+?\d{7,13}$"),
    "ES": ("es-ES", ("es",), r"^\d{5}$", False, [], r"^\+?\d{9,12}$"),
    "IT": ("it-IT", ("it",), r"^\d{5}$", False, [], r"^\+?\d{6,12}$"),
    "DK": ("da-DK", ("da",), r"^\d{4}$", False, [], r"^\+?\d{8,10}$"),
    "TW": ("zh-TW", ("zh",), r"^\d{3}(\d{2,3})?$", False, [], r"^\+?\d{8,12}$"),
    "JP": ("ja-JP", ("ja",), r"^\d{3}-?\d{4}$", False, [], r"^\+?\d{9,12}$"),
    "IN": ("en-IN", ("en", "hi"), r"^\d{6}$", True, ["DL", "MH", "KA", "TN", "TG", "WB", "GJ", "UP"],
           r"^\+?\d{10,12}$"),
}

# Postal codes the emulator knows the city of (US/GB/DE samples used by the seed and the tests).
KNOWN_POSTCODES: dict[tuple[str, str], tuple[str, str | None]] = {
    ("US", "98052"): ("Redmond", "WA"), ("US", "78701"): ("Austin", "TX"), ("US", "60601"): ("Chicago", "IL"),
    ("US", "02110"): ("Boston", "MA"), ("US", "10001"): ("New York", "NY"), ("US", "94105"): ("San Francisco", "CA"),
    ("US", "98101"): ("Seattle", "WA"), ("GB", "EC1A 1BB"): ("London", None), ("DE", "10115"): ("Berlin", None),
}


def _norm_postcode(country: str, value: str) -> str:
    return value.strip().upper()


def check_address(raw: dict[str, Any]) -> dict[str, Any]:
    """The validation result for one address dict (shared with customer creation's pre-checks)."""
    country = str(raw.get("country") or "").strip().upper()
    line1 = str(raw.get("addressLine1") or "").strip()
    city = str(raw.get("city") or "").strip()
    state = str(raw.get("state") or raw.get("region") or "").strip().upper()
    postal = _norm_postcode(country, str(raw.get("postalCode") or ""))
    original = {"addressLine1": line1, "addressLine2": raw.get("addressLine2") or None, "city": city,
                "state": state or None, "postalCode": postal or None, "country": country}
    result: dict[str, Any] = {"originalAddress": original, "suggestedAddresses": [],
                              "attributes": {"objectType": "AddressValidationResponse"}}
    market = MARKETS.get(country)
    if market is None:
        result.update(status="NotValidated",
                      validationMessage=f"Addresses in {country} can't be validated automatically.")
        return result
    _, _, postal_regex, state_required, states, _ = market
    if not postal:
        result.update(status="None", validationMessage=f"A postal code is required for {country}.")
        return result
    if not re.match(postal_regex, postal):
        result.update(status="None", validationMessage=f"The postal code '{postal}' isn't valid for {country}.")
        return result
    if state_required and state not in states:
        message = (f"A state or province is required for {country}." if not state
                   else f"'{state}' isn't a state or province of {country}.")
        known = KNOWN_POSTCODES.get((country, postal))
        if known and known[1]:
            result["suggestedAddresses"] = [dict(original, city=known[0], state=known[1])]
            result.update(status="InteractionRequired", validationMessage=message)
        else:
            result.update(status="None", validationMessage=message)
        return result
    known = KNOWN_POSTCODES.get((country, postal))
    if known and (known[0].lower() != city.lower() or (known[1] and known[1] != state)):
        result["suggestedAddresses"] = [dict(original, city=known[0], state=known[1] or original["state"])]
        result.update(status="InteractionRequired",
                      validationMessage=f"The postal code {postal} belongs to {known[0]}.")
        return result
    result["status"] = "VerifiedShippable" if known else "Verified"
    return result


@routes.post("/v1/validations/address")
async def validate_address(request: web.Request) -> web.Response:
    body = body_of(request)
    country = body.str("country", required=True, max_len=2)
    if not re.fullmatch(r"[A-Za-z]{2}", country or ""):
        raise invalid_input("'country' must be a two-letter ISO country code.")
    address = {
        "addressLine1": body.str("addressLine1", required=True, min_len=1, max_len=200),
        "addressLine2": body.str("addressLine2", max_len=200),
        "city": body.str("city", required=True, min_len=1, max_len=100),
        "state": body.str("state", max_len=100) or body.str("region", max_len=100),
        "postalCode": body.str("postalCode", max_len=20),
        "country": country,
    }
    return json_response(check_address(address))


@routes.get("/v1/countryvalidationrules/{country}")
async def country_rules(request: web.Request) -> web.Response:
    country = request.match_info["country"].strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise invalid_input("The country must be a two-letter ISO country code.")
    market = MARKETS.get(country)
    if market is None:
        raise not_found(1000, f"No validation rules for the market {country}.")
    culture, languages, postal, state_required, states, phone = market
    return json_response({
        "iso2Code": country, "defaultCulture": culture, "isCityRequired": True, "isPostalCodeRequired": True,
        "isStateRequired": state_required, "supportedStatesList": states,
        "supportedLanguagesList": list(languages), "supportedCulturesList": [culture],
        "postalCodeRegex": postal, "phoneNumberRegex": phone, "isTaxIdSupported": country not in {"US"},
        "attributes": {"objectType": "CountryValidationRules"},
    })


__all__ = ["routes", "check_address", "MARKETS"]
