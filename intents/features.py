"""Classifier features: normalised words with entities masked, word bigrams, crude stems, CJK n-grams."""

from __future__ import annotations

import re

from intents.entities import Analysis
from intents.lexicon import CONCEPTS, FOREIGN, FOREIGN_CASED, NORMALIZE
from intents.matcher import Corrector

# "what's" -> what is, "Contoso's" -> possessive marker, "don't" -> do not: the clitic after an apostrophe
_CLITICS = {"t": ("not",), "re": ("are",), "ve": ("have",), "ll": ("will",), "d": ("would",), "m": ("am",)}
_IS_HOSTS = {"what", "that", "it", "who", "where", "how", "there", "here", "he", "she", "when", "which", "why"}
_RESERVATION_PHRASES = {"Azure Reserved VM Instances"}

SPAN_TOKENS = {"email": "<email>", "guid": "<guid>", "domain": "<domain>", "invoice": "<invoice>",
               "srid": "<srid>", "longid": "<longid>", "vm": "<vm>"}


def word_keys(analysis: Analysis, corrector: Corrector | None) -> list[str]:
    """The message as a list of normalised keys; entity spans collapse into one placeholder each."""
    marks: list[tuple[int, int, str]] = []
    for s in analysis.spans:
        key = SPAN_TOKENS[s.kind]
        if s.kind == "guid":  # a tenant id reads like a customer name, an order id like any order id
            before = analysis.text[max(0, s.start - 12):s.start].lower()
            key = "<cust>" if re.search(r"(tenant|customer)\W*$", before) else (
                "<longid>" if re.search(r"order\W*$", before) else key)
        if s.kind == "domain" and s.text.lower() in FOREIGN:  # "monday.com", "box.com": a product, not a tenant
            key = "<ext>"
        marks.append((s.start, s.end, key))
    marks += [(c.start, c.end, "<cust>") for c in analysis.customers]
    for p in analysis.products:
        kind = "<addonprod>" if analysis.is_addon(p) else "<vm>" if p.phrase in _RESERVATION_PHRASES else "<prod>"
        marks.append((p.start, p.end, kind))
    marks += [(n.start, n.end, "<num>") for n in analysis.numbers]
    marks += [(r.start, r.end, "<role>") for r in analysis.roles
              if all(not (p.start < r.end and r.start < p.end) for p in analysis.products)]
    marks.sort()
    keys: list[str] = []
    mi = 0
    last_mark_end = -1
    tokens = analysis.tokens
    for ti, tok in enumerate(tokens):
        while mi < len(marks) and marks[mi][1] <= tok.start:
            mi += 1
        if mi < len(marks) and marks[mi][0] < tok.end and tok.start < marks[mi][1]:
            if marks[mi][1] != last_mark_end:
                keys.append(marks[mi][2])
                if marks[mi][2] in ("<prod>", "<addonprod>") and "azure" in tok.low:
                    keys.append("azure")
                last_mark_end = marks[mi][1]
            continue
        if tok.is_cjk:
            keys.append(tok.text)
            continue
        if not tok.is_word:
            if tok.text in "?:&":
                keys.append(tok.text)
            continue
        low = tok.low
        if is_foreign(tok, bool(keys)):
            if not keys or keys[-1] != "<ext>":
                keys.append("<ext>")
            continue
        if ti >= 2 and tokens[ti - 1].text == "'" and tokens[ti - 1].start == tokens[ti - 2].end \
                and tok.start == tokens[ti - 1].end:
            if low == "s":
                keys.append("is" if tokens[ti - 2].low in _IS_HOSTS else "'s")
                continue
            if low in _CLITICS:
                keys.extend(_CLITICS[low])
                continue
        if low in NORMALIZE:
            keys.extend(NORMALIZE[low])
            continue
        if corrector is not None:
            # a capitalised unknown word inside the sentence is a name, not a typo ("Sons" is not "song")
            is_name = tok.text[0].isupper() and keys and low not in corrector.words
            fixed = None if is_name else corrector.correct(low)
            if fixed is None:
                key = "<cap>" if tok.text[0].isupper() else ("<n>" if low.isdigit() else "<unk>")
                if keys and (keys[-1] == key or keys[-1] == "<cap>" and key == "<unk>"):
                    continue  # one key per unknown name ("Kiosk lockdown"), whatever its words
                keys.append(key)
                continue
            low = fixed
            if low in NORMALIZE:
                keys.extend(NORMALIZE[low])
                continue
        keys.append(low)
    return keys


def is_foreign(tok, inside: bool) -> bool:
    """Another vendor's product or service; words that are also plain English count only as a capitalised name
    inside the sentence ("our Zoom account", not "zoom in")."""
    low = tok.low
    if low not in FOREIGN:
        return False
    return low not in FOREIGN_CASED or (inside and tok.text[0].isupper())


_PHRASES = {("get", "rid", "of"): ("remove",), ("sign", "off"): ("approve",)}
_CUSTOMER_KEYS = {"<cust>", "<guid>", "<domain>", "<email>"}


# politeness around a request carries no intent ("can you verify MPN 123 for me please")
_LEADING_FILLERS = (("can", "you"), ("could", "you"), ("would", "you"), ("will", "you"), ("please",), ("kindly",),
                    ("i", "want", "to"), ("i", "would", "like", "to"), ("okay",), ("so",), ("hey",))
_TRAILING_FILLERS = (("for", "me"), ("please",), ("thanks",), ("?",), ("for", "me", "please"))


def _strip_fillers(keys: list[str]) -> list[str]:
    changed = True
    while changed and len(keys) > 2:
        changed = False
        for filler in _LEADING_FILLERS:
            if tuple(keys[:len(filler)]) == filler and len(keys) > len(filler) + 1:
                keys, changed = keys[len(filler):], True
        for filler in _TRAILING_FILLERS:
            if tuple(keys[-len(filler):]) == filler and len(keys) > len(filler) + 1:
                keys, changed = keys[:-len(filler)], True
    return keys


def _merge_phrases(keys: list[str]) -> list[str]:
    """Idioms whose words mislead one by one ("get rid of" is not a lookup)."""
    keys = _strip_fillers(keys)
    out: list[str] = []
    i = 0
    while i < len(keys):
        for phrase, replacement in _PHRASES.items():
            if tuple(keys[i:i + len(phrase)]) == phrase:
                out.extend(replacement)
                i += len(phrase)
                break
        else:
            out.append(keys[i])
            i += 1
    return out


def features(keys: list[str]) -> list[str]:
    keys = _merge_phrases(keys)
    # whether anything names a customer at all: subscription work needs one, catalog questions do not
    feats = ["<bias>", "<has-cust>" if _CUSTOMER_KEYS.intersection(keys) else "<no-cust>"]
    seq = ["<s>"] + keys + ["</s>"]
    for k in keys:
        feats.append(k)
        feats.extend(CONCEPTS.get(k, ()))
        if len(k) >= 7 and k.isalpha():
            feats.append("~" + k[:5])
    for a, b in zip(seq, seq[1:], strict=False):
        feats.append(a + "|" + b)
    abstract = [CONCEPTS[k][0] if k in CONCEPTS else k for k in seq]
    for a, b in zip(abstract, abstract[1:], strict=False):
        if a[0] == "@" or b[0] == "@":
            feats.append(a + "^" + b)
    cjk = "".join(k for k in keys if len(k) == 1 and "\u3400" <= k <= "\ufaff")
    for a, b in zip(cjk, cjk[1:], strict=False):
        feats.append("#" + a + b)
        feats.extend(CONCEPTS.get(a + b, ()))
    return feats
