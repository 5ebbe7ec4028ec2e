"""Rule-based slot filling for a recognised intent, cut from the user's own text.

Works on an `Analysis` (entities already found), so products, ids and directory customers are reliable; the
rest (unknown customers, people, titles, policy names) comes from short phrase patterns around trigger words.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from intents.entities import Analysis
from intents.lexicon import COUNTRIES, COUNTRY_CODES, SEAT_WORDS, STATUS_WORDS
from intents.text import strip_possessive

MONTHS = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
          r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_UNIT = r"(?:days?|weeks?|months?|quarters?|years?)"
PERIOD_PATTERNS = [
    rf"\b(?:the\s+)?(?:last|past|previous|next)\s+(?:\d+|\w+)\s+{_UNIT}\b",
    rf"\bbetween\s+{MONTHS}(?:\s+\d{{4}})?\s+and\s+{MONTHS}(?:\s+\d{{4}})?\b",
    rf"\bfrom\s+{MONTHS}(?:\s+\d{{4}})?\s+(?:to|until|through)\s+{MONTHS}(?:\s+\d{{4}})?\b",
    rf"\bsince\s+(?:{MONTHS}(?:\s+\d{{4}})?|\d{{4}}|last\s+\w+|yesterday)\b",
    r"\b(?:this|last|current|previous|next|past|prior)\s+(?:billing\s+)?(?:month|week|quarter|year|period|cycle|"
    r"fiscal\s+year)\b",
    r"\b(?:yesterday|today|year[- ]to[- ]date|month[- ]to[- ]date|ytd|mtd)\b",
    rf"\b{MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b",
    rf"\b{MONTHS}\s+\d{{4}}\b",
    r"\bQ[1-4](?:\s+\d{4})?\b",
    r"\b\d{4}-\d{2}(?:-\d{2})?\b",
    rf"\b(?:in\s+)?{MONTHS}\b(?!\s+\w+@)",
    r"\b20\d\d\b",
    r"(?:上個?月|這個?月|本月|上季|本季|今年|去年|上週|本週|昨天|今天|\d{4}\s*年(?:\s*\d{1,2}\s*月)?|\d{1,2}\s*月)",
]
PERIOD_RE = [re.compile(p, re.I) for p in PERIOD_PATTERNS]
TERM_RE = re.compile(
    r"\b(?:P\d+[YM]|(?:monthly|annual|yearly)\s+term|"
    r"(?:\d+|one|two|three|five)[- ](?:years?|yrs?|months?))\b", re.I)
CYCLE_RE = re.compile(r"\b(monthly|annual|annually|yearly|triennial|one[- ]time)\b(?!\s+term)", re.I)
MPN_RE = re.compile(r"\b(?:mpn|partner\s*id|partnerid|partner|id)\s*(?:id|number|#|no\.?)?\s*:?\s*(\d{5,8})\b", re.I)
BARE_MPN_RE = re.compile(r"(?<![\w-])(\d{6,7})(?![\w-])")

CAP_CONNECTORS = {"&", "and", "of", "'", "-", "de", "van", "von", "la", "du"}
COMPANY_SUFFIX = {"gmbh", "ltd", "llc", "inc", "co", "ag", "plc", "corp", "sa", "bv", "kk", "pty", "llp"}
CUSTOMER_TRIGGERS = {"for", "at", "to", "of", "in", "from", "customer", "tenant", "client", "called", "named",
                     "with", "on", "onboard", "than", "about", "by", "does", "do", "did", "is", "has", "have"}
NOT_NAMES = {"microsoft", "azure", "teams", "office", "outlook", "windows", "i", "i'm", "the", "please", "thanks",
             "hi", "hello", "ok", "okay", "sr", "srs", "mca", "mpn", "ri", "ris", "pdf", "autopilot", "id", "eula",
             "oobe", "us", "uk", "it", "we", "you", "my", "our", "can", "what", "which", "who", "how", "show", "list",
             "get", "add", "set", "make", "give", "buy", "order", "create", "new", "delete", "remove", "a", "an",
             "any", "all", "is", "are", "does", "do", "did", "has", "have", "check", "open", "find", "search",
             "reset", "update", "change", "cancel", "suspend", "reactivate", "upgrade", "move", "purchase",
             "record", "confirm", "log", "raise", "file", "submit", "assign", "revoke", "grant", "take", "put",
             "switch", "turn", "register", "convert", "terminate", "restore", "undelete", "bring", "mark",
             "decline", "accept", "verify", "validate", "download", "send", "when", "where", "why", "also",
             "and", "or", "but", "no", "yes", "not", "don't", "dont", "customer", "customers", "user",
             "users", "subscription", "subscriptions", "global", "administrator", "admin", "ga", "seats",
             "licences", "licenses", "partner", "center", "in", "on", "at", "for", "to", "of", "from", "be",
             "tenant", "details", "info", "status", "plan", "sub", "subs", "trial", "monday", "friday"}
MONTH_WORDS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
               "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
               "nov", "dec"}


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


class SlotFiller:
    """Fills the slots an intent allows. `vocab` is the ordinary vocabulary (words that are not names)."""

    def __init__(self, vocab: set[str]):
        self.vocab = vocab

    # ---- helpers -----------------------------------------------------------------------------------------
    def _cap_runs(self, a: Analysis, used: list[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
        """Runs of capitalised (name-like) tokens: (char start, char end, first token, last token + 1)."""
        toks = a.tokens
        runs = []
        i = 0
        while i < len(toks):
            t = toks[i]
            if self._namey(t, i) and not any(_overlap((t.start, t.end), u) for u in used):
                j = i + 1
                while j < len(toks):
                    tj = toks[j]
                    if any(_overlap((tj.start, tj.end), u) for u in used):
                        break
                    if self._namey(tj, j) or tj.low in COMPANY_SUFFIX or (tj.text.isdigit() and j > i):
                        j += 1
                        continue
                    if tj.low in CAP_CONNECTORS and j + 1 < len(toks) and self._namey(toks[j + 1], j + 1):
                        if tj.text == "'" and toks[j + 1].low != "s":
                            break
                        j += 1
                        continue
                    if tj.text == "'" and j + 1 < len(toks) and toks[j + 1].low == "s" and j + 2 < len(toks) \
                            and self._namey(toks[j + 2], j + 2) and toks[j + 2].low not in NOT_NAMES:
                        j += 2
                        continue
                    if tj.text == "." and toks[j - 1].low in COMPANY_SUFFIX:
                        j += 1
                    break
                while j > i and (toks[j - 1].low in CAP_CONNECTORS or toks[j - 1].low in {"s"}
                                 and j - 2 >= i and toks[j - 2].text == "'"):
                    j -= 1 if toks[j - 1].low in CAP_CONNECTORS else 2
                if j > i:
                    runs.append((toks[i].start, toks[j - 1].end, i, j))
                i = max(j, i + 1)
            else:
                i += 1
        return runs

    def _namey(self, tok, index: int) -> bool:
        if not tok.is_word or tok.is_cjk:
            return False
        if tok.low in NOT_NAMES or tok.low in MONTH_WORDS:
            return False
        if tok.text[0].isupper():
            return not (index == 0 and tok.low in self.vocab)
        return False

    def _prev_words(self, a: Analysis, first_token: int, n: int = 2) -> list[str]:
        words = [t.low for t in a.tokens[max(0, first_token - 4):first_token] if t.is_word]
        return words[-n:]

    def _next_word(self, a: Analysis, end_token: int) -> str:
        for t in a.tokens[end_token:end_token + 3]:
            if t.is_word:
                return t.low
        return ""

    # ---- main --------------------------------------------------------------------------------------------
    def fill(self, a: Analysis, intent: str, allowed: tuple[str, ...], focus: int = 0) -> dict[str, str]:
        slots: dict[str, str] = {}
        used: list[tuple[int, int]] = []
        text = a.text
        allow = set(allowed)

        def take(name: str, start: int, end: int, value: str | None = None) -> None:
            if name in allow and name not in slots:
                v = value if value is not None else text[start:end]
                v = v.strip().strip(",;:\"'").strip() if name != "customer" else strip_possessive(v).strip(",;: ")
                if v:
                    slots[name] = v
                    used.append((start, end))

        used.extend((s.start, s.end) for s in a.spans if s.kind in ("email",))
        # ids ----------------------------------------------------------------------------------------------
        words = [t for t in a.tokens if t.is_word]
        word_ends = [t.end for t in words]
        for s in a.spans:
            # the three words before the span (bisect: a scan of all tokens per span was quadratic)
            before = [t.low for t in words[max(0, bisect_right(word_ends, s.start) - 3):
                                           bisect_right(word_ends, s.start)]]
            if s.kind == "guid":
                if {"subscription", "sub", "subscriptions"} & set(before) and "subscription" in allow:
                    take("subscription", s.start, s.end)
                elif "order" in before and "order" in allow:
                    take("order", s.start, s.end)
                elif {"tenant", "customer"} & set(before) and "customer" in allow:
                    take("customer", s.start, s.end)
                elif "subscription" in allow:
                    take("subscription", s.start, s.end)
                elif "order" in allow:
                    take("order", s.start, s.end)
                else:
                    take("customer", s.start, s.end)
            elif s.kind == "longid":
                take("order", s.start, s.end)
            elif s.kind == "srid":
                take("service_request", s.start, s.end)
            elif s.kind == "invoice":
                take("invoice", s.start, s.end)
            elif s.kind == "email":
                take("user", s.start, s.end)
            elif s.kind == "vm":
                take("offer", s.start, s.end)
        if "mpn_id" in allow:
            m = MPN_RE.search(text) or BARE_MPN_RE.search(text)
            if m:
                take("mpn_id", m.start(1), m.end(1))
        # domains: the domain slot when the intent has one, else a customer named by its domain
        domains = [s for s in a.spans if s.kind == "domain" and not any(_overlap((s.start, s.end), u) for u in used)]
        for s in domains:
            if "domain" in allow and "domain" not in slots:
                take("domain", s.start, s.end)
            elif "customer" in allow and "customer" not in slots:
                take("customer", s.start, s.end)
        # periods, terms, billing cycles -------------------------------------------------------------------
        if "period" in allow:
            for rx in PERIOD_RE:
                m = rx.search(text)
                if m and not any(_overlap(m.span(), u) for u in used):
                    value = m.group()
                    if value.lower().startswith("in "):
                        value = value[3:]
                        take("period", m.start() + 3, m.end(), value)
                    else:
                        take("period", m.start(), m.end())
                    break
        term_spans = [m.span() for m in TERM_RE.finditer(text)]
        if "term" in allow and term_spans:
            take("term", *term_spans[0])
        if "billing_cycle" in allow:
            cycles = [m for m in CYCLE_RE.finditer(text) if not any(_overlap(m.span(), u) for u in used)]
            if cycles:
                pick = cycles[-1] if intent == "subscriptions.change_billing_cycle" else cycles[0]
                take("billing_cycle", *pick.span())
        # products -------------------------------------------------------------------------------------------
        self._products(a, intent, allow, take, used)
        # quantity -------------------------------------------------------------------------------------------
        if "quantity" in allow:
            self._quantity(a, take, used, term_spans, focus)
        # country, role, status ------------------------------------------------------------------------------
        if "country" in allow:
            self._country(a, take, used)
        if "role" in allow and a.roles:
            r = a.roles[0]
            take("role", r.start, r.end)
        if "status" in allow:
            self._status(a, intent, take, used)
        # names ----------------------------------------------------------------------------------------------
        self._named_things(a, intent, allow, take, used, slots)
        if "customer" in allow and "customer" not in slots:
            self._customer(a, intent, take, used, slots)
        if "user" in allow and "user" not in slots:
            runs = [r for r in self._cap_runs(a, used) if r[3] - r[2] >= 2 or intent.startswith("users.")]
            if runs:
                take("user", runs[0][0], runs[0][1], strip_possessive(text[runs[0][0]:runs[0][1]]))
        if "reseller" in allow and "reseller" not in slots:
            runs = self._cap_runs(a, used)
            if runs:
                take("reseller", runs[0][0], runs[0][1])
        return slots

    # ---- slot groups -------------------------------------------------------------------------------------
    def _products(self, a: Analysis, intent: str, allow: set[str], take, used) -> None:
        prods = [p for p in a.products if not any(_overlap((p.start, p.end), u) for u in used)]
        if not prods:
            if "subscription" in allow or "offer" in allow:
                self._unknown_product(a, allow, take, used)
            return
        text = a.text
        if "addon" in allow:
            addon = next((p for p in prods if re.match(r"\s*add-?\s?ons?\b", text[p.end:], re.I)), None)
            addon = addon or next((p for p in prods if a.is_addon(p)), None) or prods[0]
            take("addon", addon.start, addon.end)
            rest = [p for p in prods if p is not addon]
            if rest:
                take("subscription", rest[0].start, rest[0].end)
            return
        if "subscription" in allow and "offer" in allow:
            if len(prods) >= 2:
                take("subscription", prods[0].start, prods[0].end)
                take("offer", prods[-1].start, prods[-1].end)
            else:
                p = prods[0]
                before = text[:p.start].lower().rstrip()
                if intent == "subscriptions.upgrade" and re.search(r"\b(to|into|over to)$", before):
                    take("offer", p.start, p.end)
                elif intent == "subscriptions.convert_trial" and re.search(r"\b(paid|into|to)$", before):
                    take("offer", p.start, p.end)
                else:
                    take("subscription", p.start, p.end)
            return
        for name in ("subscription", "offer"):
            if name in allow:
                take(name, prods[0].start, prods[0].end)
                return

    def _unknown_product(self, a: Analysis, allow: set[str], take, used) -> None:
        text = a.text
        if "subscription" in allow:
            m = re.search(r"\b(?:the\s+|their\s+|its\s+|'s\s+)([A-Z][\w()+-]*(?:\s+[A-Z0-9][\w()+-]*){0,4})\s+"
                          r"(?:subscription|sub|trial|plan)\b", text)
            if m and not any(_overlap(m.span(1), u) for u in used):
                take("subscription", *m.span(1))
        if "offer" in allow and "offer" not in allow - {"offer"} | {"x"}:
            pass
        if "offer" in allow:
            m = re.search(r"\b(?:buy|order|purchase|get|price of|cost of|details for|about)\s+(?:\d+\s+|an?\s+|the\s+)?"
                          r"([A-Z][\w()+-]*(?:\s+[A-Z0-9(][\w()+-]*){0,4})", text)
            if m and not any(_overlap(m.span(1), u) for u in used) \
                    and not any(_overlap(m.span(1), (c.start, c.end)) for c in a.customers):
                take("offer", *m.span(1))

    def _quantity(self, a: Analysis, take, used, term_spans, focus: int) -> None:
        text = a.text
        cands = []
        for n in a.numbers:
            if any(_overlap((n.start, n.end), u) for u in used) or any(_overlap((n.start, n.end), t)
                                                                        for t in term_spans):
                continue
            after = text[n.end:n.end + 12].lower()
            if re.match(r"\s*(%|percent|pm\b|am\b|days?\b|weeks?\b|months?\b|years?\b|hours?\b|minutes?\b)", after):
                continue
            if re.match(r"\s*(st|nd|rd|th)\b", after):
                continue
            if n.surface.lower() == "one" and (
                    re.search(r"\b(the|this|that|which|other)\s+(?:\S+\s+){0,3}$",
                              text[max(0, n.start - 80):n.start].lower())
                    and any(p.end <= n.start and not text[p.end:n.start].strip() for p in a.products)):
                continue  # "the E3 one" is a pronoun, not a count
            before = text[max(0, n.start - 12):n.start].lower()
            if re.search(r"(last|past|next|from)\s+$", before) and re.search(r"\s*to\s+", after) is None \
                    and re.search(r"(last|past|next)\s+$", before):
                continue
            cands.append(n)
        if not cands:
            return
        following = {}
        for n in cands:
            words = re.findall(r"[\w']+", text[n.end:n.end + 30].lower())[:3]
            following[n] = words

        def score(n) -> tuple:
            words = following[n]
            seat = any(w in SEAT_WORDS for w in words[:2]) or re.match(r"\s*[個位套席張份人名]", text[n.end:])
            before = text[max(0, n.start - 6):n.start].lower()
            to = bool(re.search(r"\b(to|為|成)\s*$", before))
            return (n.start >= focus, bool(seat), to, n.start)

        best = max(cands, key=score)
        take("quantity", best.start, best.end, str(best.value))

    def _country(self, a: Analysis, take, used) -> None:
        text = a.text
        best = None
        for name in COUNTRIES:
            for m in re.finditer(rf"(?<![\w]){re.escape(name)}(?![\w])", text, re.I):
                if not any(_overlap(m.span(), u) for u in used) and (best is None or m.start() < best[0]):
                    best = m.span()
        for m in re.finditer(r"\b([A-Z]{2,3})\b", text):
            if m.group(1) in COUNTRY_CODES and not any(_overlap(m.span(), u) for u in used):
                if best is None or m.start() < best[0]:
                    best = m.span()
        if best:
            take("country", *best)

    def _status(self, a: Analysis, intent: str, take, used) -> None:
        text = a.text
        if intent == "subscriptions.set_autorenew":
            m = (re.search(r"\b(?:turn|switch|set|toggle|put)\s+(?:the\s+)?(?:auto[- ]?renew(?:al)?\s+)?(?:to\s+)?"
                           r"(on|off)\b", text, re.I)
                 or re.search(r"auto[- ]?renew(?:al)?\s+(?:to\s+)?(on|off)(?=\s*(?:$|[,.;!?]|for\b))", text, re.I)
                 or re.search(r"\b(enable|disable|enabled|disabled)\b", text, re.I)
                 or re.search(r"(開啟|關閉|啟用|停用)", text))
            if m:
                take("status", *m.span(1))
            return
        words = STATUS_WORDS.get(intent)
        if not words:
            return
        best = None
        for w in words:
            rx = rf"(?<![\w-]){re.escape(w)}(?![\w-])" if w.isascii() else re.escape(w)
            for m in re.finditer(rx, text, re.I):
                if any(_overlap(m.span(), u) for u in used):
                    continue
                if intent == "service_requests.list" and w == "open" and re.match(r"\s+(a|an|the)\b", text[m.end():]):
                    continue
                if best is None or m.start() < best[0]:
                    best = m.span()
        if best:
            take("status", *best)

    def _named_things(self, a: Analysis, intent: str, allow: set[str], take, used, slots) -> None:
        text = a.text
        end_clause = r"(?=\s+(?:for|at|on|in|from|to)\s+[A-Z\w]|[?!.,;]|\s*$)"
        if "nickname" in allow:
            for rx in (r"[\"]([^\"]+)[\"]\s*[?!.]?\s*$",r"\b(?:to|as)\s+[\"']?([^\"'?!.,;]+?)[\"']?\s*[?!.]?\s*$",
                       r"\b(?:nickname|name|called|call\s+.+?\s(?:sub|subscription))\s+[\"']?([^\"'?!.,;]+?)[\"']?"
                       r"\s*[?!.]?\s*$"):
                m = re.search(rx, text, re.I)
                if m:
                    take("nickname", *m.span(1))
                    break
            m = None
        if "title" in allow:
            m = None
            if intent.startswith("referrals."):
                m = (re.search(r"[:：\-]\s+(.+?)\s*[.!?]?\s*$", text)
                     or re.search(r"\b(?:called|named)\s+[\"']?(.+?)[\"']?\s*[.!?]?\s*$", text)
                     or re.search(r"\bthe\s+([A-Z][^,;:?!]*?)\s+(?:referral|lead)\b", text)
                     or re.search(r"\breferral\s+(?:called\s+|named\s+)?([A-Z].+?)" + r"(?=\s+(?:as|to)\s+\w+\s*$|"
                                  r"\s*[?!.]?\s*$)", text))
            else:
                m = (re.search(r"[:：]\s*(.+?)\s*[.!]?\s*$", text)
                     or re.search(r"\s-\s+(.+?)\s*[.!]?\s*$", text)
                     or re.search(r"\b(?:about|regarding|because|re)\s+(.+?)\s*[.!]?\s*$", text, re.I)
                     or re.search(r"\bwith\s+(?!a\b|an\b)(.+?)\s*[.!]?\s*$", text, re.I)
                     or re.search(r"\b(?:ticket|request|SR|case),\s+(.+?)\s*[.!]?\s*$", text))
            if m and not any(_overlap(m.span(1), u) for u in used):
                take("title", *m.span(1))
        if "policy" in allow:
            m = (re.search(r"\b(?:policy|profile)\s+(?:called|named)\s+[\"']?(.+?)[\"']?" + end_clause, text, re.I)
                 or re.search(r"\b(?:policy|profile)\s+[\"']?([A-Z][^\"',;?!]*?)[\"']?" + end_clause, text)
                 or re.search(r"\bthe\s+([A-Z][\w' -]*?)\s+(?:device\s+|autopilot\s+|configuration\s+)?"
                              r"(?:policy|profile)\b", text))
            if m:
                take("policy", *m.span(1))
        if "batch" in allow:
            m = (re.search(r"\bbatch\s+(?:called\s+|named\s+)?[\"']?([A-Z\d][^\"',;?!]*?)[\"']?" + end_clause, text)
                 or re.search(r"\b(?:the|into)\s+([A-Z\d][\w' -]*?)\s+batch\b", text)
                 or re.search(r"\binto\s+([A-Z\d][^\"',;?!]*?)" + end_clause, text))
            if m:
                take("batch", *m.span(1))
        if "reseller" in allow:
            m = (re.search(r"\b(?:reseller|resellers|partner)\s+(?:partner\s+)?([A-Z][\w&'.-]*(?:\s+[A-Z&][\w&'.-]*)*)",
                           text)
                 or re.search(r"\b(?:set|make)\s+([A-Z][\w&'.-]*(?:\s+[A-Z&][\w&'.-]*)*)\s+(?:as\s+)?the\s+support",
                              text)
                 or re.search(r"\bto\s+([A-Z][\w&'.-]*(?:\s+[A-Z&][\w&'.-]*)*)\s*[?!.]?\s*$", text)
                 if intent == "subscriptions.update_support_contact" else
                 re.search(r"\b(?:reseller|resellers|partner)\s+(?:partner\s+)?"
                           r"([A-Z][\w&'.-]*(?:\s+[A-Z&][\w&'.-]*)*)", text)
                 or re.search(r"\b(?:does|of|by)\s+([A-Z][\w&'.-]*(?:\s+[A-Z&][\w&'.-]*)*)", text))
            if m:
                span = m.span(1)
                for c in a.customers:
                    if _overlap(span, (c.start, c.end)) and intent != "resellers.customers":
                        break
                else:
                    take("reseller", span[0], span[1], strip_possessive(text[span[0]:span[1]]))

    def _customer(self, a: Analysis, intent: str, take, used, slots) -> None:
        text = a.text
        if intent == "customers.search":
            skip = {"whose", "with", "a", "the", "named", "called", "starting", "for", "that", "who", "which", "by"}
            for trigger in (r"start(?:s|ing)? with|begin(?:s|ning)? with|prefix", r"named|called|matching|like",
                            r"customers?|tenants?|clients?|for|domain|search"):
                for m in re.finditer(rf"\b(?:{trigger})\s+[\"']?([\w&.'-]+(?-i:\s+[A-Z][\w&'-]*)*)", text, re.I):
                    if m.group(1).lower() not in skip and m.group(1).lower() not in self.vocab | {"customers"}:
                        take("customer", *m.span(1))
                        return
        mentions = [c for c in a.customers if not any(_overlap((c.start, c.end), u) for u in used)]
        if mentions:
            # a reseller named in the same message is not the customer
            c = mentions[0]
            take("customer", c.start, c.end, c.surface)
            return
        runs = [r for r in self._cap_runs(a, used)
                if text[r[0]:r[1]].lower() not in COUNTRIES and text[r[0]:r[1]] not in COUNTRY_CODES]
        if runs:
            scored = []
            for r in runs:
                prev = self._prev_words(a, r[2], 1)
                nxt = text[r[1]:r[1] + 3]
                s = 0
                if prev and prev[0] in CUSTOMER_TRIGGERS:
                    s += 2
                if nxt.startswith("'") or nxt.startswith("’"):
                    s += 2
                if nxt.lstrip().startswith("的") or nxt.lstrip().startswith(":"):
                    s += 2
                if any(t.low in COMPANY_SUFFIX for t in a.tokens[r[2]:r[3]]):
                    s += 2
                if r[3] - r[2] == 2 and intent.startswith(("users.", "licenses.", "agreements.confirm")) \
                        and not (prev and prev[0] in {"at", "in", "from", "to"}):
                    s -= 2
                if r[2] == 0:
                    s += 1
                scored.append((s, -r[0], r))
            s, _, best = max(scored)
            if s >= 1:
                take("customer", best[0], best[1], strip_possessive(text[best[0]:best[1]]))
                return
        m = re.search(r"(?:^|[\s幫為替給])([A-Za-z][\w&'. -]*?)\s*的", text)
        if m and a.tokens and any(t.is_cjk for t in a.tokens) and not any(_overlap(m.span(1), u) for u in used):
            take("customer", *m.span(1))
            return
        # all-lowercase unknown name after a trigger word, e.g. "subs for baker plumbing"
        toks = a.tokens
        for i, t in enumerate(toks):
            if t.low in {"for", "at", "customer", "tenant"} and i + 1 < len(toks):
                j = i + 1
                while j < len(toks) and toks[j].is_word and toks[j].low not in self.vocab \
                        and not any(_overlap((toks[j].start, toks[j].end), u) for u in used):
                    j += 1
                if j > i + 1:
                    take("customer", toks[i + 1].start, toks[j - 1].end)
                    return
