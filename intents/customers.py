"""Customer gazetteer: company names, domains and tenant ids the recognizer can spot in a message.

Built from a JSON list `[{"companyName", "domain"}]` (evaluation data) or from the bot's cached Partner Center
customer list. Matching tolerates typos, possessives, `&`/`and`, squashed names ("kowalskidental") and name
prefixes ("Northwind" for "Northwind Traders"), because that is how people type names in chat.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intents.intervals import Occupied
from intents.text import Token, edit_distance, tokenize, typo_tolerance

GUID_RE = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
# Domain-like words in two linear passes: a maximal run of word characters, dots and hyphens, then the last
# ".letters" ending at a word boundary inside it (one `[\w.-]+\.[a-z]{2,}\b` was quadratic: 1.6 s on 32 KB).
_DOMAIN_RUN = re.compile(r"[\w.-]+")
_DOMAIN_END = re.compile(r"\.[a-z]{2,}\b", re.I)


def domain_candidates(text: str):
    """(start, end) of each domain-like word, as the single pattern found them."""
    for run in _DOMAIN_RUN.finditer(text):
        end = None
        for m in _DOMAIN_END.finditer(text, run.start() + 1, run.end()):
            end = m.end()  # the greedy `[\w.-]+` of the single pattern kept the last one
        if end is not None:
            yield run.start(), end


@dataclass(frozen=True)
class Customer:
    name: str
    domain: str = ""
    tenant_id: str | None = None


@dataclass(frozen=True)
class CustomerMention:
    """A span of the message that names a directory customer (`surface` is the text as typed)."""

    start: int
    end: int
    surface: str
    customer: Customer
    score: float


def _name_key(token: Token) -> str:
    low = token.low
    return "and" if low == "&" else low


def _squash(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower().replace("&", "and"))


class CustomerDirectory:
    """Fuzzy lookup of customers by name, domain or tenant id."""

    def __init__(self, customers: Iterable[Customer], common_words: Iterable[str] = ()):
        self.customers: list[Customer] = list(customers)
        self.common_words = {w.lower() for w in common_words}
        self._by_first: dict[str, list[tuple[Customer, list[str]]]] = {}
        self._squashed: dict[str, Customer] = {}
        self._domains: dict[str, Customer] = {}
        self._tenants: dict[str, Customer] = {}
        for customer in self.customers:
            keys = [_name_key(t) for t in tokenize(customer.name) if t.is_word or t.text in "&'"]
            if keys:
                self._by_first.setdefault(keys[0], []).append((customer, keys))
            self._squashed.setdefault(_squash(customer.name), customer)
            if customer.domain:
                self._domains.setdefault(customer.domain.lower(), customer)
                self._squashed.setdefault(customer.domain.lower().split(".")[0], customer)
            if customer.tenant_id:
                self._tenants[customer.tenant_id.lower()] = customer

    # ---- construction -------------------------------------------------------------------------------------
    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any] | Any]) -> CustomerDirectory:
        """Accepts `{"companyName", "domain"}` rows, Partner Center customer resources
        (`{"id", "companyProfile": {"companyName", "domain", "tenantId"}}`) or objects with
        `company_name`/`domain`/`tenant_id` (or `id`) attributes, e.g. the bot's cached customer list."""
        customers = []
        for rec in records:
            if isinstance(rec, Mapping):
                profile = rec.get("companyProfile") or {}
                name = rec.get("companyName") or profile.get("companyName") or rec.get("name")
                domain = rec.get("domain") or profile.get("domain") or ""
                tenant = rec.get("tenantId") or profile.get("tenantId") or rec.get("id")
            else:
                name = getattr(rec, "company_name", None) or getattr(rec, "name", None)
                domain = getattr(rec, "domain", "") or ""
                tenant = getattr(rec, "tenant_id", None) or getattr(rec, "id", None)
            if name:
                customers.append(Customer(str(name), str(domain), str(tenant) if tenant else None))
        return cls(customers)

    from_partner_center = from_records

    @classmethod
    def from_json(cls, path: str | Path) -> CustomerDirectory:
        return cls.from_records(json.loads(Path(path).read_text(encoding="utf-8")))

    def with_common_words(self, words: Iterable[str]) -> CustomerDirectory:
        """Same customers; `words` (ordinary vocabulary) are never taken alone as a name prefix or typo."""
        return CustomerDirectory(self.customers, set(words) | self.common_words)

    def __len__(self) -> int:
        return len(self.customers)

    def __iter__(self):
        return iter(self.customers)

    # ---- lookup -------------------------------------------------------------------------------------------
    def lookup(self, query: str, limit: int = 5) -> list[tuple[Customer, float]]:
        """Best customers for a name, domain, tenant id or fragment, with a score in [0, 1]."""
        q = query.strip().lower()
        if not q:
            return []
        if q in self._tenants:
            return [(self._tenants[q], 1.0)]
        scored: dict[str, tuple[Customer, float]] = {}

        def offer(customer: Customer, score: float) -> None:
            if customer.name not in scored or scored[customer.name][1] < score:
                scored[customer.name] = (customer, score)

        squashed_q = _squash(q)
        for customer in self.customers:
            name = customer.name.lower()
            if q == name or q == customer.domain.lower():
                offer(customer, 1.0)
            elif squashed_q and squashed_q == _squash(name):
                offer(customer, 0.95)
            elif name.startswith(q) or customer.domain.lower().startswith(q):
                offer(customer, 0.8 * (0.6 + 0.4 * len(q) / max(len(name), 1)))
            else:
                ratio = difflib.SequenceMatcher(None, q, name).ratio()
                if ratio >= 0.8:
                    offer(customer, 0.9 * ratio)
                elif len(q) >= 3 and q in name:
                    offer(customer, 0.5)
        return sorted(scored.values(), key=lambda cs: (-cs[1], cs[0].name))[:limit]

    def find_mentions(self, text: str, tokens: list[Token] | None = None) -> list[CustomerMention]:
        """Non-overlapping customer mentions in `text`, longest and best first."""
        tokens = tokens if tokens is not None else tokenize(text)
        candidates: list[tuple[int, float, CustomerMention]] = []
        for m in GUID_RE.finditer(text):
            customer = self._tenants.get(m.group().lower())
            if customer:
                candidates.append((99, 1.0, CustomerMention(m.start(), m.end(), m.group(), customer, 1.0)))
        for start, end in domain_candidates(text):
            customer = self._domains.get(text[start:end].lower())
            if customer:
                candidates.append((99, 1.0, CustomerMention(start, end, text[start:end], customer, 1.0)))
        tokens = [t for t in tokens if t.text != "."]  # "St. Brigid's" is stored without the dot
        keys = [_name_key(t) for t in tokens]
        near: dict[tuple[str, str], bool] = {}  # typo checks of this message, shared by all names tried
        for i, tok in enumerate(tokens):
            if not tok.is_word:
                continue
            nxt = keys[i + 1] if i + 1 < len(keys) else None
            for first, entries in self._first_candidates(keys[i]):
                # every name of this group whose second word is not the next word matches the same way (its first
                # word alone, as a prefix): trying the first such name is enough, the others could not be chosen
                prefix_tried = False
                for customer, name_keys in entries:
                    if len(name_keys) > 1 and (nxt is None or name_keys[1] != nxt
                                               and not self._is_typo(name_keys[1], nxt, near)):
                        if prefix_tried:
                            continue
                        prefix_tried = True
                    match = self._match_at(tokens, keys, i, name_keys, first, near)
                    if match:
                        n, score = match
                        end_tok = tokens[i + n - 1]
                        candidates.append((n, score, CustomerMention(
                            tok.start, end_tok.end, text[tok.start:end_tok.end], customer, score)))
            squashed = self._squashed.get(keys[i])
            if squashed and len(keys[i]) >= 5 and keys[i] not in self.common_words:
                candidates.append((1, 0.9, CustomerMention(tok.start, tok.end, tok.text, squashed, 0.9)))
        candidates.sort(key=lambda c: (-c[0], -c[1], c[2].start))
        chosen: list[CustomerMention] = []
        occupied = Occupied()
        for _, _, mention in candidates:
            if occupied.free(mention.start, mention.end):
                occupied.take(mention.start, mention.end)
                chosen.append(mention)
        return sorted(chosen, key=lambda c: c.start)

    def _is_typo(self, want: str, got: str, near: dict[tuple[str, str], bool] | None) -> bool:
        pair = (want, got)
        if near is not None and pair in near:
            return near[pair]
        tol = typo_tolerance(want)
        # cheap necessary conditions first: an edit changes the length by at most one, and the letters by two
        ok = bool(tol) and abs(len(want) - len(got)) <= tol and got not in self.common_words \
            and len(set(want) ^ set(got)) <= 2 * tol and edit_distance(want, got, tol) <= tol
        if near is not None:
            near[pair] = ok
        return ok

    def _first_candidates(self, key: str):
        exact = self._by_first.get(key)
        if exact:
            yield key, exact
        tol = typo_tolerance(key)
        if tol == 0 or key in self.common_words or key.isdigit():
            return
        for first, entries in self._by_first.items():
            if first != key and abs(len(first) - len(key)) <= tol and first[0] == key[0]:
                if edit_distance(first, key, tol) <= tol:
                    yield first, entries

    def _match_at(self, tokens: list[Token], keys: list[str], i: int, name_keys: list[str], first: str,
                  near: dict[tuple[str, str], bool] | None = None):
        """(token count, score) when the name (or a distinctive prefix of it) starts at token i.

        `near` memoises "is `got` a typo of `want`" for one message: at 10,000 customers hundreds of names share a
        first word ("Blue ..."), and the same word pairs came up again for each of them."""
        typos = 0 if keys[i] == first else 1
        n = 1
        while n < len(name_keys) and i + n < len(keys):
            want, got = name_keys[n], keys[i + n]
            if want == got:
                n += 1
                continue
            if self._is_typo(want, got, near):
                typos += 1
                n += 1
                continue
            break
        if n < len(name_keys):
            while n > 0 and name_keys[n - 1] in {"and", "'", "s"}:
                n -= 1
            prefix = name_keys[:n]
            if not prefix or all(k in self.common_words for k in prefix):
                return None
            if not tokens[i].text[0].isupper() and n == 1 and typos:
                return None
            score = 0.7 - 0.1 * typos
        else:
            if typos > max(1, len(name_keys) - 1):
                return None
            if len(name_keys) == 1 and keys[i] in self.common_words:
                return None
            score = 1.0 - 0.1 * typos
        return n, score
