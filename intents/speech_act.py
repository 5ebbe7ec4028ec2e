"""Speech act before intent: a message that asks *about* something never starts the operation that *does* it.

`is_question(text)` decides whether a message asks (who / what / is / did / has / can we still / how many …,
誰 / 是否 / 有沒有 / 嗎 / 還能 …) or asks for something to be done (imperatives, and polite requests phrased as
questions: "can you add 5 seats?", "could you suspend …", "可以幫我取消…嗎"). `guard()` applies the rule to any
recognizer's answer: a question answered with a change or purchase becomes that operation's read counterpart
(audit records for "who did X", the cancellation window for "can I still cancel", approvals for "was my order
approved", the subscription for "is X on" …). Every recognizer in the bot passes through it (offline, LLM and
the fallback chain), so no recognizer can route a question into a change flow.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from intents.contract import load_intents
from intents.recognizer import RecognizerResult

# ---- the detector ------------------------------------------------------------------------------------------

_LEAD = r"^\s*(?:(?:so|ok|okay|hey|hi|hmm|um|quick question|btw|by the way|just checking|and|but|also|sorry)[,:]?\s+)*"
# polite requests shaped like questions: the user wants the thing done
_POLITE = re.compile(_LEAD + r"(?:(?:can|could|would|will|won't)\s+(?:you|u|ya|we\s+please)\b"
                             r"|(?:can|could|may)\s+(?:i|we)\s+(?:please\s+)?(?:get|have)\b"
                             r"|(?:is\s+it|would\s+it\s+be)\s+possible\s+to\b"
                             r"|(?:are|would)\s+you\s+(?:able|willing|mind)\b|do\s+you\s+mind\b"
                             r"|why\s+don'?t\s+you\b|how\s+about\s+(?:you\s+)?\w+ing\b|please\b|pls\b|plz\b|kindly\b)",
                     re.I)
# "can we add 5 seats?" is a request; "can we still cancel?" asks about the window
_CAN_REQUEST = re.compile(_LEAD + r"(?:can|could|may)\s+(?:i|we)\s+(?!still\b|even\b|already\b|only\b|just\b)", re.I)
_QUESTION_START = re.compile(
    _LEAD + r"(?:who|whom|whose|what|what's|whats|when|where|which|why|how|is|isn't|are|aren't|was|wasn't|"
    r"were|weren't|does|doesn't|do(?!n'?t\b|\s+not\b)|(?:don'?t|do\s+not)(?=\s+(?:i|we|you|they)\b)|did|didn't|has|hasn't|have|haven't|had|hadn't|will|would|should|"
    r"shall|can|could|may|might|must|am)\b", re.I)
# asking to be told something, not for something to be done
_EMBEDDED = re.compile(r"\b(?:i\s+wonder|wondering|do\s+you\s+know|any\s+idea|find\s+out|tell\s+me|let\s+me\s+know|"
                       r"check|checking|not\s+sure|curious|confirm|want\s+to\s+know|need\s+to\s+know)\s+"
                       r"(?:if|whether|who|when|why|how|what|which)\b", re.I)
# a leading time/condition clause ("when X renews, reduce it to 18") does not make the request a question
_SUBORDINATE = re.compile(r"^\s*(?:when|whenever|once|if|after|before|as\s+soon\s+as|at)\b[^,;]*[,;]\s*(?P<rest>.+)$",
                          re.I)
_CJK = re.compile(r"[\u3400-\u9fff]")
_ZH_POLITE = re.compile(r"^\s*(?:我想|我要|我需要)?\s*(?:請|麻煩|幫我|幫忙|替我|給我)|"
                        r"(?:可以|可不可以|能不能|能否|可否|是否可以|是否能)\s*(?:請你|請|幫我|幫忙|替我|給我|你)")
_ZH_QUESTION = re.compile(r"誰|是否|有沒有|有無|[嗎麼呢]\s*[?？]?\s*$|還能|還可以|還來得及|來得及|多少|幾個|幾套|幾位|"
                          r"什麼時候|何時|哪些|哪個|哪一|為什麼|怎麼|如何|了沒|沒有[?？]?\s*$|是不是|會不會|能不能[^幫]")


def is_question(text: str) -> bool:
    """Does the message ask about something rather than ask for something to be done?"""
    text = (text or "").strip()
    if not text:
        return False
    if _CJK.search(text):
        return _zh_is_question(text)
    sub = _SUBORDINATE.match(text)
    if sub and not text.rstrip().endswith("?"):
        text = sub.group("rest")
    if _POLITE.match(text) or _CAN_REQUEST.match(text):
        return bool(_EMBEDDED.search(text))
    if _QUESTION_START.match(text) or _EMBEDDED.search(text):
        return True
    return text.rstrip().endswith("?") and not _starts_imperative(text)


# asking to be shown something is asking about it: "show the Kiosk policy", "pull up our legal profile"
_DISPLAY = re.compile(_LEAD + r"(?:(?:can|could|would|will)\s+(?:you|u)\s+|please\s+|pls\s+|kindly\s+|"
                              r"i\s+(?:want|need|'d like|would like)\s+to\s+)*"
                      r"(?:show|list|display|view|see|pull\s+up|bring\s+up|look\s+up|let\s+me\s+see|tell\s+me|"
                      r"what'?s|report|summari[sz]e|give\s+me\s+(?:a\s+)?(?:list|overview|summary|report|rundown))\b",
                      re.I)
_ZH_DISPLAY = re.compile(r"^\s*(?:請|幫我|麻煩)?\s*(?:顯示|列出|查詢|查看|看一下|給我看)")


def asks_about(text: str) -> bool:
    """A question, or a request to be shown something: either way the user wants to learn, not to change."""
    text = (text or "").strip()
    if is_question(text):
        return True
    if _CJK.search(text):
        return bool(_ZH_DISPLAY.match(text))
    return bool(_DISPLAY.match(text))


def _zh_is_question(text: str) -> bool:
    if _ZH_POLITE.search(text) and not re.search(r"誰|是否|有沒有人|還能|來得及", text):
        return False
    if _ZH_QUESTION.search(text):
        return True
    return bool(re.search(r"[?？]\s*$", text)) and not re.match(r"^\s*(?:請|幫|把|將|給)", text)


_IMPERATIVE = re.compile(r"^\s*(?:add|remove|set|change|cancel|suspend|reactivate|buy|order|purchase|create|delete|"
                         r"reset|assign|give|make|turn|switch|move|upgrade|rename|register|convert|update|open|close|"
                         r"bump|drop|reduce|increase|lower|raise|put|stop|start|schedule|send|post|grant|revoke|"
                         r"request|extend|end|terminate|undo|restore|upload|approve|accept|decline)\b", re.I)


def _starts_imperative(text: str) -> bool:
    return bool(_IMPERATIVE.match(text))


# ---- which read answers the question -----------------------------------------------------------------------

# default read counterpart of every change and purchase of the contract
READ_COUNTERPART: dict[str, str] = {
    "customers.create": "customers.get",
    "customers.create_for_reseller": "resellers.customers",
    "customers.delete": "customers.get",
    "customers.remove_relationship": "resellers.of_customer",
    "customers.update_billing_profile": "customers.billing_profile",
    "customers.spending_budget": "billing.usage_summary",
    "customers.add_domain": "customers.get",
    "customers.update_qualification": "customers.qualification",
    "agreements.confirm": "agreements.list",
    "users.create": "users.get",
    "users.update": "users.get",
    "users.delete": "users.get",
    "users.restore": "users.list_deleted",
    "users.reset_password": "users.get",
    "users.assign_role": "users.roles",
    "users.remove_role": "users.roles",
    "licenses.assign": "licenses.assigned",
    "subscriptions.change_quantity": "subscriptions.get",
    "subscriptions.suspend": "subscriptions.get",
    "subscriptions.reactivate": "subscriptions.get",
    "subscriptions.cancel": "subscriptions.cancellation_window",
    "subscriptions.set_autorenew": "subscriptions.get",
    "subscriptions.rename": "subscriptions.get",
    "subscriptions.change_billing_cycle": "subscriptions.get",
    "subscriptions.upgrade": "subscriptions.get",
    "subscriptions.register": "subscriptions.registration_status",
    "subscriptions.convert_trial": "subscriptions.trial_conversions",
    "subscriptions.update_support_contact": "subscriptions.support_contact",
    "subscriptions.schedule_change": "subscriptions.scheduled_changes",
    "subscriptions.cancel_scheduled_change": "subscriptions.scheduled_changes",
    "orders.purchase": "orders.list",
    "orders.purchase_addon": "subscriptions.addons",
    "orders.purchase_reservation": "orders.list",
    "orders.cancel": "orders.get",
    "service_requests.create": "service_requests.list",
    "service_requests.update": "service_requests.get",
    "profiles.update_legal_business": "profiles.legal_business",
    "profiles.update_organization": "profiles.organization",
    "profiles.update_billing": "profiles.billing",
    "profiles.update_support": "profiles.support",
    "referrals.create": "referrals.list",
    "referrals.update": "referrals.get",
    "devices.create_policy": "devices.policies",
    "devices.update_policy": "devices.policies",
    "devices.delete_policy": "devices.policies",
    "devices.upload": "devices.batches",
    "devices.delete": "devices.list",
    "gdap.create_relationship": "gdap.relationships",
    "gdap.assign_group": "gdap.relationships",
    "gdap.extend": "gdap.relationships",
    "notifications.subscribe": "notifications.list",
    "notifications.unsubscribe": "notifications.list",
}
FALLBACK_READ = "help"

_SUBSCRIPTION_CHANGES = {"subscriptions.cancel", "subscriptions.change_quantity", "subscriptions.schedule_change",
                         "subscriptions.suspend", "orders.cancel", "orders.purchase"}
_HOW_TO = re.compile(r"^\s*(?:so\s+)?how\s+(?:do|can|could|would|should|shall)\s+(?:i|we|one|you)\b|^\s*how\s+to\b|"
                     r"^\s*what(?:'s|\s+is)\s+the\s+(?:way|procedure|process)\s+to\b|怎麼|如何", re.I)
# who did it: an actor asked about, with a past action ("who lowered", "did anyone delete", "誰取消了")
_WHO_STATE = r"(?:is|are|'s|can|could|should|will|would|may|must|handles|handle|manages|manage|owns|own|holds|" \
             r"hold|has|have|do|does|gets|get|needs|need|uses|use|supports|support|else)\b"
_ACTOR = re.compile(r"\bwho\s+(?!" + _WHO_STATE + r")\w+|\bwho\s+(?:has|have|had)\s+\w+(?:ed|en|ne|ut|et)\b|"
                    r"\bwhich\s+of\s+(?:us|you|our\s+\w+)\b|\b(?:any|some)\s?(?:one|body)\s+(?:\w+\s+)?"
                    r"(?:\w+ed|reset|cut|set|put|bought|took|made|gave|sent|shut|turned|ran)\b|"
                    r"\b(?:did|has|had)\s+(?:any|some)\s?(?:one|body)\b", re.I)
_ZH_ACTOR = re.compile(r"誰|有沒有人|有人|哪位")
_WINDOW = re.compile(r"\bstill\s+(?:\w+\s+){0,3}(?:cancel|cancell?ing|reduce|reducing|drop|dropping|lower|remove|"
                     r"refund|return|undo|back\s+out)|\btoo\s+late\b|\bstill\s+time\b|\brefund|\bpenalty\b|"
                     r"\blocked\s+in\b|\bcancellation\s+window\b|還能|還可以|來得及|退款|退費", re.I)
_APPROVAL = re.compile(r"\bapprov|\bsign(?:ed)?\s+off\b|\bok(?:'d|ay)ed\b|核准|批准|通過|簽核", re.I)
_SCHEDULED = re.compile(r"\bschedul|\bqueued\b|\bat\s+(?:the\s+)?(?:next\s+)?renewal\b|排定|排程", re.I)


_ZH_WHO_DID = re.compile(r"是誰|誰(?!是|有|能|可以|負責|管理|擁有|在用|使用)|有沒有人|"
                         r"有人(?:在|把|將|動|改|取消|刪|減|加|買|重設|關)")


def asks_who_did(text: str) -> bool:
    """A question about who did something ("who lowered the seats", "did anyone delete …", "是誰取消的"): the
    activity log answers it, whatever the something is."""
    if not is_question(text):
        return False
    if _CJK.search(text):
        return bool(_ZH_WHO_DID.search(text))
    return bool(_ACTOR.search(text))


def read_counterpart(intent: str, text: str) -> str:
    """The read that answers a question about `intent` as phrased in `text`."""
    if _HOW_TO.search(text):
        return "help"
    if _ACTOR.search(text) or (_CJK.search(text) and _ZH_ACTOR.search(text)):
        return "audit.records"
    if intent in _SUBSCRIPTION_CHANGES and _WINDOW.search(text) and not intent.startswith("orders."):
        return "subscriptions.cancellation_window"
    kinds = _kinds()
    if kinds.get(intent) == "purchase" and _APPROVAL.search(text):
        return "approvals.pending"
    if intent.startswith("subscriptions.") and _SCHEDULED.search(text):
        return "subscriptions.scheduled_changes"
    return READ_COUNTERPART.get(intent, FALLBACK_READ)


@lru_cache(maxsize=1)
def _kinds() -> dict[str, str]:
    return {i: spec.kind for i, spec in load_intents().items()}


def is_change(intent: str) -> bool:
    return _kinds().get(intent) in ("change", "purchase")


def guard(text: str, result: RecognizerResult,
          refill: Callable[[str], dict[str, str]] | None = None) -> RecognizerResult:
    """`result` unchanged unless `text` asks about something and `result` is a change/purchase: then the read
    counterpart.

    `refill(intent)` recomputes the slots for the counterpart (the offline recognizer reads them again); without
    it the proposal's slots are kept where the counterpart has the same slot (a person whose password was reset
    is not the actor of an audit record, so `user` is dropped there).
    """
    if not is_change(result.intent) or not asks_about(text):
        return result
    read = read_counterpart(result.intent, text)
    spec = load_intents().get(read)
    allowed = set(spec.slots) if spec else set()
    if refill is not None:
        slots = refill(read)
    else:
        slots = {k: v for k, v in result.slots.items()
                 if k in allowed and not (read == "audit.records" and k == "user")}
    alternatives = [(result.intent, result.score)] + [a for a in result.alternatives if a[0] != read]
    return RecognizerResult(read, result.score, slots, alternatives[:3])
