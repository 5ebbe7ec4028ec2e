"""Speech act before intent, as a property: every question form generated around every change or purchase
intent is answered with a read, whatever the classifier thought; polite requests stay requests.

The question forms are generated here from the training lines of each change intent (wrapped in "did anyone …",
"can we still …", "是誰…的？" and so on), so they are phrasings the classifier never saw.
"""

from __future__ import annotations

import re

import pytest

from intents.contract import load_intents
from intents.evaluate import load_rows
from intents.offline import DATA
from intents.recognizer import RecognizerResult
from intents.speech_act import READ_COUNTERPART, guard, is_question, read_counterpart

INTENTS = load_intents()
CHANGES = [i for i, spec in INTENTS.items() if spec.kind in ("change", "purchase")]
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ROWS = load_rows(DATA / "train.jsonl")

EN_FORMS = ["did anyone {} already?", "can we still {}?", "is it too late to {}?", "who decided to {}?",
            "do I need to {}?", "did you {} yesterday?", "should we {}?", "has somebody been asked to {}?",
            "I wonder whether we should {}", "what happens if we {}?"]
ZH_FORMS = ["{}了嗎？", "是誰{}的？", "還能{}嗎？", "有沒有人{}？", "是否已經{}？"]
POLITE_EN = ["can you {}?", "could you {} for me?", "please {}", "would you {} please", "{}", "{}, thanks",
             "is it possible to {}?"]
POLITE_ZH = ["請{}", "幫我{}", "可以幫我{}嗎？", "麻煩{}"]


def _lines(intent: str, chinese: bool, n: int = 3) -> list[str]:
    texts = [r["text"] for r in _ROWS if r["intent"] == intent and bool(_CJK.search(r["text"])) == chinese]
    texts = [t.rstrip("?.! ").strip() for t in texts if not is_question(t) and "?" not in t and "？" not in t]
    texts = [t[0].lower() + t[1:] if t[:1].isupper() and not t[1:2].isupper() else t for t in texts]
    return texts[:n]


def test_every_change_and_purchase_has_a_read_counterpart():
    assert set(CHANGES) == set(READ_COUNTERPART)
    for change, read in READ_COUNTERPART.items():
        assert INTENTS[read].kind == "read", (change, read)


@pytest.mark.parametrize("intent", CHANGES)
def test_question_forms_of_every_change_are_reads(recognizer, context, intent):
    english = _lines(intent, False)
    assert english, f"no English training line for {intent}"
    asked = [form.format(line) for line in english for form in EN_FORMS]
    asked += [form.format(line) for line in _lines(intent, True, 2) for form in ZH_FORMS]
    wrong = []
    for text in asked:
        assert is_question(text), text
        result = recognizer.recognize_sync(text, context)
        if INTENTS[result.intent].kind != "read":
            wrong.append((text, result.intent))
        # any recognizer's answer, proposing the change itself, is turned into a read as well
        assert INTENTS[guard(text, RecognizerResult(intent, 0.9, {})).intent].kind == "read"
    assert wrong == []


@pytest.mark.parametrize("intent", CHANGES)
def test_requests_stay_requests(intent):
    """Polite requests phrased as questions are requests: the guard leaves the change alone."""
    for line in _lines(intent, False):
        for form in POLITE_EN:
            text = form.format(line)
            assert not is_question(text), text
            assert guard(text, RecognizerResult(intent, 0.9, {})).intent == intent
    for line in _lines(intent, True, 2):
        for form in POLITE_ZH:
            assert not is_question(form.format(line)), form.format(line)


@pytest.mark.parametrize(("text", "intent", "read"), [
    ("who took the seats off the Visio plan at Contoso on Friday?", "subscriptions.change_quantity",
     "audit.records"),
    ("has anybody switched Fabrikam's E3 to annual billing?", "subscriptions.change_billing_cycle",
     "audit.records"),
    ("are we still able to cancel the E5 Litware bought?", "subscriptions.cancel",
     "subscriptions.cancellation_window"),
    ("is it too late to shrink Contoso's Business Premium?", "subscriptions.change_quantity",
     "subscriptions.cancellation_window"),
    ("did my Copilot purchase for Fabrikam get approved?", "orders.purchase", "approvals.pending"),
    ("is Contoso's E3 renewing by itself?", "subscriptions.set_autorenew", "subscriptions.get"),
    ("did support close ticket 2612050040001234?", "service_requests.update", "service_requests.get"),
    ("how do I lower the seat count on a subscription?", "subscriptions.change_quantity", "help"),
    ("是誰把 Contoso 的 E3 暫停的？", "subscriptions.suspend", "audit.records"),
    ("Fabrikam 的 E5 還能退嗎？", "subscriptions.cancel", "subscriptions.cancellation_window"),
    ("我買 Teams Phone 的申請核准了嗎？", "orders.purchase", "approvals.pending"),
])
def test_the_question_picks_the_read(text, intent, read):
    assert is_question(text)
    assert read_counterpart(intent, text) == read


@pytest.mark.parametrize("text", [
    "when Contoso's E3 renews, drop it to 10 seats",
    "if Fabrikam still has E5, cancel it",
    "can we add 5 seats to Contoso's E3",
    "could you please suspend Litware's Visio",
    "add 3 seats to Contoso's E3?",
    "可以幫我取消 Contoso 的 E3 嗎？",
    "請把 Fabrikam 的 E5 減少兩個授權",
])
def test_requests_are_not_questions(text):
    assert not is_question(text)


def test_slots_follow_the_read(recognizer, context):
    result = recognizer.recognize_sync("who reduced Contoso's Business Premium seats last week?", context)
    assert result.intent == "audit.records"
    assert result.slots.get("customer") == "Contoso"
    assert "quantity" not in result.slots and "subscription" not in result.slots


@pytest.mark.parametrize("text", ["show the device policy Kiosk mode at Contoso", "could you pull up our legal profile",
                                  "list the renewal changes for Fabrikam", "顯示 Contoso 的 GDAP 關係"])
def test_asking_to_be_shown_is_not_a_change(text):
    """An imperative of seeing ("show", "pull up", "列出") asks about something, like a question does."""
    assert guard(text, RecognizerResult("devices.update_policy", 0.9, {})).intent == "devices.policies"


@pytest.mark.parametrize(("text", "who_did"), [
    ("who took away the Power BI licences at Contoso?", True),
    ("did anybody remove Fabrikam's custom domain last week?", True),
    ("是誰刪除了 Contoso 的使用者？", True),
    ("有沒有人動過 Fabrikam 的預算？", True),
    ("who is the support contact for Contoso's E3?", False),
    ("who has Global Administrator at Fabrikam?", False),
    ("誰是 Contoso 的全域管理員？", False),
    ("show who changed what at Contoso", False),
])
def test_who_did_it_questions_go_to_the_activity_log(recognizer, context, text, who_did):
    from intents.speech_act import asks_who_did

    assert asks_who_did(text) == who_did
    if who_did:
        assert recognizer.recognize_sync(text, context).intent == "audit.records"
