"""The offline recognizer: no network, no downloads, deterministic, a few hundred microseconds per message.

Pipeline: find entities (customers from the directory, products, ids, numbers) -> mask them -> averaged
perceptron over word/bigram/stem/CJK features trained on intents/data/train.jsonl -> rule-based slots.
Negations and corrections ("don't suspend it, reactivate it") are handled by classifying the clause that
carries the user's final wish, while slots are still read from the whole message.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import threading
from pathlib import Path

from intents.classifier import Perceptron
from intents.contract import load_intents
from intents.customers import CustomerDirectory
from intents.entities import analyse
from intents.features import features, word_keys
from intents.lexicon import CONCEPTS, NORMALIZE
from intents.matcher import Corrector
from intents.recognizer import NONE_INTENT, RecognitionContext, RecognizerResult
from intents.slots import MONTH_WORDS, SlotFiller, strip_possessive
from intents.speech_act import asks_about, asks_who_did, is_change, read_counterpart
from intents.tagger import UNTAGGED, SlotTagger, labels_for
from intents.text import clean_text, has_cjk, tokenize

log = logging.getLogger(__name__)
DATA = Path(__file__).parent / "data"
MODEL_VERSION = "1"
# the cached model is only valid for the code that produced its features
_MODEL_SOURCES = ("offline.py", "features.py", "entities.py", "lexicon.py", "classifier.py", "matcher.py",
                  "customers.py", "numbers.py", "text.py", "tagger.py")

_CORRECTION = re.compile(r"(?:\bno,?\s+wait\b|\bactually\b|\bi mean\b|\bscratch that\b|\bcorrection\b|\bsorry\b|"
                         r"\bon second thought\b|\bno no\b|\bwait\b|不對|不是|應該是|改成)[,:]?\s*", re.I)
_NEGATED = re.compile(r"^\s*(?:please\s+)?(?:(?:don'?t|do not|dont|never|not|no need to|no)\b(?!\s+(?:one|longer))"
                      r"|不要|別|不用|不必|先不要)", re.I)
_INSTEAD = re.compile(r"\b(?:instead of|rather than|not)\s+\w+ing\b.*$|\binstead\b", re.I)
# a match starts at the first blank before a separator (or at the separator), never inside a blank run: the plain
# r"\s*(?:[,;.]|\bbut\b|，|；)\s*" rescanned a long blank run from each of its positions (quadratic)
_CLAUSE = re.compile(r"(?<!\s)\s*(?:[,;.]|\bbut\b|，|；)\s*|(?:[,;.]|\bbut\b|，|；)\s*", re.I)
_FOLLOW_UP = re.compile(r"^\s*(?:and|what about|how about|same for|same thing for|now for|also for|and for|"
                        r"do the same for|now do)\b", re.I)


# The work per message is linear in its length; this bounds it. A request is a sentence or two: what follows
# the first 2,000 characters of a pasted log or mail is not read (28,000 characters cost ~0.5 s, 2,000 ~30 ms).
MAX_UNDERSTOOD_CHARS = 2_000


def bounded(text: str, limit: int | None) -> str:
    """The first `limit` characters, cut back to the last blank so that no word is read half."""
    if limit is None or len(text) <= limit:
        return text
    head = text[:limit]
    cut = max(head.rfind(" "), head.rfind("\n"))
    return head[:cut] if cut > limit // 2 else head


def effective_text(text: str) -> tuple[str, int]:
    """The part of the message that states what the user finally wants, and where it starts."""
    start = 0
    matches = [m for m in _CORRECTION.finditer(text) if m.start() > 0 or m.end() < len(text)]
    for m in matches:
        if text[m.end():].strip(" ,.!?") and m.start() > 0:
            start = m.end()
    part = text[start:]
    pieces = []
    pos = 0
    for m in _CLAUSE.finditer(part):
        pieces.append((pos, part[pos:m.start()]))
        pos = m.end()
    pieces.append((pos, part[pos:]))
    kept = [(p, s) for p, s in pieces if s.strip() and not _NEGATED.match(s)]
    if kept and len(kept) < len([1 for _, s in pieces if s.strip()]):
        first = kept[0][0]
        part_text = " , ".join(s for _, s in kept)
        return _INSTEAD.sub("", part_text).strip() or part_text, start + first
    cleaned = _INSTEAD.sub("", part).strip()
    return (cleaned or part), start


class _Model:
    """Everything learnt from the training file; built once per process (or loaded from the cache)."""

    def __init__(self, train_path: Path, customers_path: Path):
        rows = [json.loads(line) for line in train_path.read_text(encoding="utf-8").splitlines() if line.strip()]
        freq: dict[str, int] = {}
        as_name: dict[str, bool] = {}
        for row in rows:
            text = row["text"]
            for value in sorted(row["slots"].values(), key=len, reverse=True):
                text = text.replace(value, " ")
            for i, tok in enumerate(tokenize(clean_text(text))):
                if tok.is_word and not tok.is_cjk:
                    freq[tok.low] = freq.get(tok.low, 0) + 1
                    as_name[tok.low] = as_name.get(tok.low, True) and i > 0 and tok.text[:1].isupper() \
                        and not tok.text.isupper() and row["intent"] == NONE_INTENT
        # a rare capitalised word only ever seen as a name inside out-of-scope sentences ("our Quillo account") is
        # a name, not vocabulary: it stays "<cap>" as unseen names do, so the classifier learns the shape
        for word, is_name in as_name.items():
            if is_name and freq[word] <= 3 and word not in NORMALIZE and word not in CONCEPTS:
                del freq[word]
        for extra in NORMALIZE:
            freq.setdefault(extra, 1)
        # typos written into the training data ("suspnd") must not become words of their own
        common = Corrector([w for w, f in freq.items() if f >= 8], freq)
        for word, f in list(freq.items()):
            if f <= 3 and word not in NORMALIZE:
                fixed = common.correct(word)
                if fixed and fixed != word:
                    del freq[word]
        # words the lexicon knows are never "corrected" into something else ("March" -> "match")
        for extra in list(CONCEPTS) + sorted(MONTH_WORDS):
            freq.setdefault(extra, 1)
        self.vocab = set(freq)
        self.corrector = Corrector(self.vocab, freq)
        self.slot_filler = SlotFiller(self.vocab)
        train_directory = CustomerDirectory.from_json(customers_path).with_common_words(self.vocab)
        source = b"".join((Path(__file__).parent / name).read_bytes() for name in _MODEL_SOURCES)
        digest = hashlib.sha256(train_path.read_bytes() + customers_path.read_bytes() + source
                                + MODEL_VERSION.encode()).hexdigest()[:16]
        cache = DATA / "model.cache.json"
        self.classifier: Perceptron | None = None
        self.tagger: SlotTagger | None = None
        try:
            cached = json.loads(cache.read_text(encoding="utf-8"))
            if cached.get("digest") == digest:
                self.classifier = Perceptron.from_json(cached["model"])
                self.tagger = SlotTagger.from_json(cached["tagger"])
        except (OSError, ValueError, KeyError):
            pass
        if self.classifier is None or self.tagger is None:
            analyses = [analyse(r["text"], train_directory) for r in rows]
            data = [(features(word_keys(a, self.corrector)), r["intent"]) for a, r in zip(analyses, rows, strict=True)]
            self.classifier = Perceptron()
            self.classifier.train(data)
            examples = []
            for a, r in zip(analyses, rows, strict=True):
                labels = labels_for(r["text"], r["slots"])
                if labels is not None and len(labels) == len(a.tokens):
                    examples.append((a, r["intent"], labels))
            self.tagger = SlotTagger()
            self.tagger.train(examples)
            try:
                cache.write_text(json.dumps({"digest": digest, "model": self.classifier.to_json(),
                                             "tagger": self.tagger.to_json()}), encoding="utf-8")
            except OSError:
                log.info("model cache not writable; retraining on every start")


class OfflineRecognizer:
    """`Recognizer` implementation with no external calls. Safe to share between conversations."""

    _lock = threading.Lock()
    _shared: _Model | None = None

    def __init__(self, train_path: Path | None = None, customers_path: Path | None = None,
                 none_threshold: float = 0.35, none_margin: float = 1.5,
                 max_chars: int | None = MAX_UNDERSTOOD_CHARS):
        self._train_path = train_path or DATA / "train.jsonl"
        self._customers_path = customers_path or DATA / "train-customers.json"
        self._none_threshold = none_threshold
        self._none_ratio = math.exp(-none_margin / Perceptron.temperature)
        self._max_chars = max_chars
        self._intents = load_intents()
        self._directories: dict[int, tuple[CustomerDirectory, CustomerDirectory]] = {}
        self._model: _Model | None = None

    @property
    def model(self) -> _Model:
        if self._model is None:
            default = train_default = self._train_path == DATA / "train.jsonl"
            with OfflineRecognizer._lock:
                if default and OfflineRecognizer._shared is not None:
                    self._model = OfflineRecognizer._shared
                else:
                    self._model = _Model(self._train_path, self._customers_path)
                    if train_default:
                        OfflineRecognizer._shared = self._model
        return self._model

    def warm_up(self) -> None:
        """Build (or load) the model now; call at bot start-up so the first user does not wait for training."""
        _ = self.model

    def _directory(self, directory: CustomerDirectory | None) -> CustomerDirectory | None:
        if directory is None:
            return None
        hit = self._directories.get(id(directory))
        if hit and hit[0] is directory:
            return hit[1]
        prepared = directory.with_common_words(self.model.vocab)
        if len(self._directories) > 32:
            self._directories.clear()
        self._directories[id(directory)] = (directory, prepared)
        return prepared

    async def recognize(self, text: str, context: RecognitionContext) -> RecognizerResult:
        return self.recognize_sync(text, context)

    def recognize_sync(self, text: str, context: RecognitionContext | None = None) -> RecognizerResult:
        context = context or RecognitionContext()
        text = clean_text(bounded(text or "", self._max_chars)).strip()
        if not text:
            return RecognizerResult(NONE_INTENT, 1.0, {})
        model = self.model
        directory = self._directory(context.customers)
        full = analyse(text, directory)
        focus_text, focus = effective_text(text)
        focus_analysis = full if focus_text == text else analyse(focus_text, directory)
        keys = word_keys(focus_analysis, model.corrector)
        ranked = model.classifier.predict(features(keys))
        if focus_text != text and (ranked[0][0] == NONE_INTENT or ranked[0][1] < 0.6
                                   or not _has_domain_signal(keys)):
            # "..., no wait, make it 7": the correction alone is too short to carry the intent
            keys = word_keys(full, model.corrector)
            ranked = model.classifier.predict(features(keys))
        intent, score = ranked[0]
        if context.last_intent and context.last_intent in self._intents and _FOLLOW_UP.match(text) \
                and intent != context.last_intent and len(keys) <= 8:
            intent, score = context.last_intent, max(score, 0.6)
        if _names_other_vendor(keys) or ((_has_oos_cue(keys) or _has_zh_oos_cue(focus_text))
                                          and not any(k in _ENTITY_KEYS for k in keys)):
            # "cancel my Netflix subscription", "weather in West US": everyday words, no Partner Center entity
            none_score = dict(ranked).get(NONE_INTENT, 0.0)
            ranked = [(NONE_INTENT, max(none_score, 0.9))] + [r for r in ranked if r[0] != NONE_INTENT]
            intent, score = ranked[0]
        elif intent == NONE_INTENT and any(k in _ENTITY_KEYS for k in keys):
            # a directory customer, a product or an id: a Partner Center request in words training never had
            best = next(((i, s) for i, s in ranked if i not in _CONVERSATION), None)
            if best and best[1] >= _ENTITY_RESCUE:
                ranked = [best] + [r for r in ranked if r[0] != best[0]]
                intent, score = ranked[0]
        unknown = any(k in ("<unk>", "<cap>") for k in keys)
        # "how do I bake bread": a how-to question about something we do not know is not a question about the bot
        weak_chat = unknown and (score < _WEAK_CONVERSATION or intent == "help" and not _has_help_word(keys))
        if not _has_domain_signal(keys) and (intent not in _CONVERSATION or weak_chat):
            # out of scope wins close calls when nothing in the message points at Partner Center
            none_score = dict(ranked).get(NONE_INTENT, 0.0)
            if score < self._none_threshold or none_score >= score * self._none_ratio \
                    or (intent in _CONVERSATION and intent != NONE_INTENT):
                ranked = [(NONE_INTENT, max(none_score, 1.0 - score))] + [r for r in ranked if r[0] != NONE_INTENT]
                intent, score = ranked[0]
        if intent not in _CONVERSATION and intent != "audit.records" and asks_who_did(text):
            # "who lowered the seats at X?": whoever the classifier thought it was about, the log answers it
            asked = intent
            intent = "audit.records"
            ranked = [(intent, score)] + [r for r in ranked if r[0] not in (intent, asked)] + [(asked, score)]
        elif is_change(intent) and asks_about(text):
            # speech act before intent: a question about a change is answered by its read counterpart
            asked = intent
            intent = read_counterpart(intent, text)
            ranked = [(intent, score)] + [r for r in ranked if r[0] not in (intent, asked)] + [(asked, score)]
        slots: dict[str, str] = {}
        if intent != NONE_INTENT:
            allowed = self._intents[intent].slots
            slots = model.slot_filler.fill(full, intent, allowed, focus)
            # the learned tagger backs the rules: it fills the slots they left empty, from words they did not use
            open_slots = [s for s in allowed if s not in slots and s not in UNTAGGED]
            taken = [(m.start(), m.end()) for v in slots.values() for m in [re.search(re.escape(v), full.text)] if m]
            tagged = model.tagger.spans(full, intent, allowed) if open_slots else {}
            for slot, (start, end) in tagged.items():
                if slot in slots or any(start < b and a < end for a, b in taken):
                    continue
                value = full.text[start:end]
                value = strip_possessive(value) if slot == "customer" else value.strip(" ,;:\"'")
                if value:
                    slots[slot] = value
        alternatives = [(i, round(s, 4)) for i, s in ranked if i != intent][:3]
        return RecognizerResult(intent, round(score, 4), slots, alternatives)


_CONVERSATION = {NONE_INTENT, "help", "cancel", "greeting", "whoami"}
_ENTITY_RESCUE = 0.15  # least confidence for a task intent to beat `none` when the message names an entity
_WEAK_CONVERSATION = 0.4  # below this, "help"/"greeting"/... guesses built on unknown words are out of scope
_DOMAIN_KEYS = {"<cust>", "<prod>", "<addonprod>", "<invoice>", "<srid>", "<longid>", "<guid>", "<domain>",
                "<email>", "<role>", "<vm>", "subscription", "subscriptions", "licence", "licences", "seat", "seats",
                "customer", "customers", "tenant", "tenants", "invoice", "invoices", "partner", "reseller",
                "resellers", "mpn", "azure", "referral", "referrals", "autopilot", "approval", "approvals",
                "reconciliation", "unbilled", "service", "ticket", "tickets", "sr", "billing", "agreement",
                "entitlements", "catalog", "offers", "add-ons", "users", "balance", "domain", "sandbox"}


_ENTITY_KEYS = {"<cust>", "<prod>", "<addonprod>", "<invoice>", "<srid>", "<longid>", "<guid>", "<domain>",
                "<email>", "<role>", "<vm>"}
_DOMAIN_CONCEPTS = {"@suspend", "@reactivate", "@seat", "@invoice", "@ticket", "@sub", "@customer"}


def _has_domain_signal(keys: list[str]) -> bool:
    return any(k in _DOMAIN_KEYS or _DOMAIN_CONCEPTS.intersection(CONCEPTS.get(k, ())) for k in keys)


def _has_help_word(keys: list[str]) -> bool:
    return any("@help" in CONCEPTS.get(k, ()) or k in ("bot", "partnerbot", "you") for k in keys)


def _has_oos_cue(keys: list[str]) -> bool:
    return any("@oos" in CONCEPTS.get(k, ()) for k in keys)


_ZH_OOS = tuple(w for w, concepts in CONCEPTS.items() if "@oos" in concepts and len(w) > 1 and has_cjk(w))


def _has_zh_oos_cue(text: str) -> bool:
    return any(w in text for w in _ZH_OOS)


# what only Partner Center has: Microsoft products, reserved VMs, invoice and service request ids
_PARTNER_CENTER_KEYS = {"<prod>", "<addonprod>", "<vm>", "<invoice>", "<srid>"}


def _names_other_vendor(keys: list[str]) -> bool:
    """The request is about another vendor's product ("add seats to our Webex account", "create a deal in
    Pipedrive for Contoso"): out of scope, even with a customer named, unless a Microsoft product is named too.
    The shape counts as much as the vocabulary: "our <name> …" / "我們的 <name>" with a name that is neither a
    directory customer nor a Microsoft product is the partner's own tool, not a customer's subscription."""
    if _PARTNER_CENTER_KEYS.intersection(keys):
        return False
    if "<ext>" in keys:
        return True
    for i, key in enumerate(keys[:-1]):
        if keys[i + 1] == "<cap>" and (key in ("our", "my") or key == "的" and keys[max(0, i - 2):i] in
                                       (["我", "們"], ["我"])):
            return True
    return False
