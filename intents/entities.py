"""One pass over a message that finds everything entity-like (customers, products, ids, numbers, periods).

The classifier masks these spans ("<cust>", "<prod>") so it learns phrasing rather than names, and the slot
filler picks from the same spans, so both agree on where an entity starts and ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from intents.customers import GUID_RE, CustomerDirectory, CustomerMention
from intents.intervals import Occupied
from intents.lexicon import ADDONS_HINT, ALIASES, PRODUCTS, ROLES
from intents.matcher import PhraseMatch, PhraseMatcher
from intents.numbers import NumberMention, find_numbers
from intents.text import Token, clean_text, tokenize

# starts only where a run of address characters starts: without the look-behind every position of a long run
# without "@" rescanned the rest of it (quadratic)
EMAIL_RE = re.compile(r"(?<![\w.+'-])[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
DOMAIN_RE = re.compile(r"(?<![@\w.-])((?:[a-z0-9][a-z0-9-]*\.)+(?:[a-z]{2,13}))(?![\w@-]|\.[a-z])", re.I)
NOT_DOMAINS = {"e.g", "i.e", "a.m", "p.m", "etc", "vs", "node.js", "asp.net", "vue.js", "next.js"}
INVOICE_RE = re.compile(r"\b[A-Z]{1,2}\d{6,12}\b", re.I)
LONG_DIGITS_RE = re.compile(r"\b\d{12,20}\b")
LONG_ID_RE = re.compile(r"\b(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{20,40}\b")
# Azure VM sizes: "D4s v5", "Standard_E8s_v5", "B4ms" (a bare "E3" or "A1" is a licence, not a VM)
VM_RE = re.compile(r"\b(?:Standard_)?[A-Z]{1,2}\d{1,3}(?:[a-z]{0,4}[ _]v\d|[a-z]{1,4})\b")


def _phrases(block: str) -> list[str]:
    return [p.strip() for line in block.splitlines() for p in line.split("|") if p.strip()]


@lru_cache(maxsize=1)
def product_matcher() -> PhraseMatcher:
    return PhraseMatcher(_phrases(PRODUCTS), ALIASES)


@lru_cache(maxsize=1)
def role_matcher() -> PhraseMatcher:
    return PhraseMatcher(_phrases(ROLES), {"admin": ("administrator",), "admins": ("administrators",)})


@dataclass(frozen=True)
class Span:
    kind: str  # email | guid | domain | invoice | srid | longid | vm
    start: int
    end: int
    text: str


@dataclass
class Analysis:
    text: str
    tokens: list[Token]
    customers: list[CustomerMention] = field(default_factory=list)
    products: list[PhraseMatch] = field(default_factory=list)
    roles: list[PhraseMatch] = field(default_factory=list)
    numbers: list[NumberMention] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)

    def spans_of(self, kind: str) -> list[Span]:
        return [s for s in self.spans if s.kind == kind]

    def is_addon(self, match: PhraseMatch) -> bool:
        return match.phrase in ADDONS_HINT


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def _coverage(length: int, found: list) -> bytearray:
    covered = bytearray(length + 1)
    for f in found:
        covered[f.start:f.end] = b"\x01" * (f.end - f.start)
    return covered


class _Spans(list):
    """The spans found so far, which never overlap, with an O(log n) overlap test (a scan per test was
    quadratic in a message full of ids or addresses)."""

    def __init__(self) -> None:
        super().__init__()
        self._occupied = Occupied()

    def append(self, span: Span) -> None:
        super().append(span)
        self._occupied.take(span.start, span.end)

    def free(self, start: int, end: int) -> bool:
        return self._occupied.free(start, end)


# ids whose shape alone is too common to trust, accepted right after the word naming them:
# "order a3f9c20b1e4d" (sandbox order ids are 12 hex digits), "invoice D0OFMSS27D" (recurring invoice ids)
_ID_AFTER = {"order": "longid", "orders": "longid", "訂單": "longid", "invoice": "invoice", "inv": "invoice",
             "statement": "invoice", "receipt": "invoice", "發票": "invoice"}
_ID_FILLERS = {"id", "number", "no", "#", ":", "nr"}
_ID_SHAPE = {"longid": re.compile(r"^(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{8,40}$"),
             "invoice": re.compile(r"^(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{6,20}$")}


def _contextual_ids(tokens: list[Token], spans: list[Span], free) -> None:
    for i, tok in enumerate(tokens):
        kind = _ID_AFTER.get(tok.low)
        if not kind:
            continue
        j = i + 1
        while j < len(tokens) and tokens[j].low in _ID_FILLERS:
            j += 1
        if j < len(tokens) and _ID_SHAPE[kind].match(tokens[j].text) and free(tokens[j].start, tokens[j].end):
            spans.append(Span(kind, tokens[j].start, tokens[j].end, tokens[j].text))


def analyse(text: str, directory: CustomerDirectory | None) -> Analysis:
    text = clean_text(text)
    tokens = tokenize(text)
    spans = _Spans()
    free = spans.free

    for m in EMAIL_RE.finditer(text):
        spans.append(Span("email", m.start(), m.end(), m.group()))
    for m in GUID_RE.finditer(text):
        if free(m.start(), m.end()):
            spans.append(Span("guid", m.start(), m.end(), m.group()))
    for m in DOMAIN_RE.finditer(text):
        value = m.group(1)
        if free(m.start(), m.end()) and value.lower() not in NOT_DOMAINS and not value[0].isdigit():
            label = value.rsplit(".", 1)[-1]
            if label.isalpha() and "." in value:
                spans.append(Span("domain", m.start(), m.end(), value))
    for kind, regex in (("vm", VM_RE), ("srid", LONG_DIGITS_RE), ("invoice", INVOICE_RE), ("longid", LONG_ID_RE)):
        for m in regex.finditer(text):
            if free(m.start(), m.end()):
                spans.append(Span(kind, m.start(), m.end(), m.group()))

    _contextual_ids(tokens, spans, free)

    free_of_spans = spans.free

    customers = []
    if directory is not None:
        # a customer overlapping no span, or exactly one domain span (spans never overlap one another)
        domains = {(s.start, s.end) for s in spans if s.kind == "domain"}
        for c in directory.find_mentions(text, tokens):
            if spans.free(c.start, c.end) or (c.start, c.end) in domains:
                customers.append(c)
    # characters covered by customers / products: overlap tests in O(span) instead of a scan of all of them
    by_customer = _coverage(len(text), customers)
    products = [p for p in product_matcher().find(text, tokens)
                if free_of_spans(p.start, p.end) and not any(by_customer[p.start:p.end])]
    roles = [r for r in role_matcher().find(text, tokens) if free_of_spans(r.start, r.end)]
    by_product = _coverage(len(text), products)
    numbers = [n for n in find_numbers(text)
               if free_of_spans(n.start, n.end)
               and not any(by_product[n.start:n.end]) and not any(by_customer[n.start:n.end])]
    return Analysis(text, tokens, customers, products, roles, numbers, list(spans))
