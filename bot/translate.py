"""Activity <-> Turn/Reply translation: the only place that knows both botbuilder and `dialogs.turn` shapes."""

from __future__ import annotations

import json
from typing import Any

from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import Activity, ActivityTypes, AdaptiveCardInvokeResponse, Attachment, ChannelAccount

from dialogs.turn import InvokeResult, Reply, Turn, User

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MESSAGE_CONTENT_TYPE = "application/vnd.microsoft.activity.message"
ERROR_CONTENT_TYPE = "application/vnd.microsoft.error"


def user_from_account(account: ChannelAccount | None) -> User:
    """Teams gives the Entra object id as `aadObjectId`; it is the stable key when present."""
    if account is None:
        return User(id="unknown")
    aad = account.aad_object_id or (account.additional_properties or {}).get("aadObjectId")
    return User(id=aad or account.id or "unknown", name=account.name or "", aad_object_id=aad or None)


def _value_dict(value: Any) -> dict[str, Any] | None:
    """Card submits carry a dict; some clients send it as a JSON string. Anything else is not a submit."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None
    return None


def message_text(activity: Activity) -> str | None:
    """The user's words without the bot's @mention (group chats and channels prefix it)."""
    text = activity.text
    if not text or not isinstance(text, str):
        return None
    bot_id = activity.recipient.id if activity.recipient else None
    for entity in activity.entities or []:
        props = entity.additional_properties or {}
        mentioned = props.get("mentioned") if isinstance(props.get("mentioned"), dict) else {}
        if (entity.type or "").lower() == "mention" and mentioned.get("id") == bot_id:
            mention_text = props.get("text") or f"<at>{mentioned.get('name', '')}</at>"
            text = text.replace(mention_text, " ")
    return text.strip() or None


def turn_from_activity(activity: Activity) -> Turn:
    """A message (text and/or card-submit `value`) or an `adaptiveCard/action` invoke -> `Turn`."""
    conversation = activity.conversation
    verb: str | None = None
    trigger: str | None = None
    value = _value_dict(activity.value)
    text: str | None = None
    if activity.type == ActivityTypes.invoke:
        action = (value or {}).get("action") if value else None
        action = action if isinstance(action, dict) else {}
        verb = action.get("verb") if isinstance(action.get("verb"), str) else None  # a non-string verb is none
        raw_trigger = (value or {}).get("trigger") if value else None
        trigger = raw_trigger if isinstance(raw_trigger, str) else None
        value = _value_dict(action.get("data")) or {}
    else:
        text = message_text(activity)
    return Turn(
        user=user_from_account(activity.from_property),
        conversation_id=conversation.id if conversation else "",
        text=text,
        value=value,
        verb=verb,
        trigger=trigger,
        locale=activity.locale or "en-US",
        activity_id=activity.id,
        reply_to_id=activity.reply_to_id,
        channel_id=activity.channel_id or "msteams",
        conversation_type=(conversation.conversation_type if conversation else None) or "personal",
        timezone=user_timezone(activity),
        file_consent=supports_file_consent(activity),
    )


def user_timezone(activity: Activity) -> str | None:
    """The user's IANA time zone: `localTimezone` on the activity, else Teams' clientInfo entity `timezone`."""
    zone = getattr(activity, "local_timezone", None)
    if isinstance(zone, str) and zone.strip():
        return zone.strip()
    for entity in activity.entities or []:
        props = entity.additional_properties or {}
        if (entity.type or "").lower() == "clientinfo" and isinstance(props.get("timezone"), str):
            return props["timezone"].strip() or None
    return None


def supports_file_consent(activity: Activity) -> bool:
    """Teams personal chats have the file consent flow; group chats and channels do not, nor does the Agents
    Playground (channel msteams too, but its mocked connector is served under /_connector)."""
    conversation = activity.conversation
    personal = ((conversation.conversation_type if conversation else None) or "personal") == "personal"
    service_url = (activity.service_url or "").rstrip("/")
    return activity.channel_id == "msteams" and personal and not service_url.endswith("/_connector")


def activity_from_reply(reply: Reply) -> Activity:
    if reply.kind == "typing":
        return Activity(type=ActivityTypes.typing)
    if reply.card is not None:
        activity = MessageFactory.attachment(CardFactory.adaptive_card(reply.card), text=reply.text)
    else:
        activity = MessageFactory.text(reply.text or "")
    for extra in reply.attachments:
        activity.attachments = [*(activity.attachments or []), Attachment(
            content_type=extra["contentType"], content=extra.get("content"), content_url=extra.get("contentUrl"),
            name=extra.get("name"))]
    if reply.attachments and reply.card is None and not reply.text:
        activity.text = None
    if reply.replace_activity_id:
        activity.id = reply.replace_activity_id
    return activity


def message_invoke_body(text: str) -> dict[str, Any]:
    """A text answer to an invoke. A plain dict: the SDK model types `value` as an object and cannot hold text."""
    return {"statusCode": 200, "type": MESSAGE_CONTENT_TYPE, "value": text}


def invoke_response_body(result: InvokeResult) -> AdaptiveCardInvokeResponse | dict[str, Any]:
    """`InvokeResult` -> the Universal Actions response body (card, message, or error)."""
    if result.status >= 400:
        return AdaptiveCardInvokeResponse(
            status_code=result.status,
            type=ERROR_CONTENT_TYPE,
            value={"code": "Error", "message": result.message or "The action could not be completed."},
        )
    if result.card is not None:
        return AdaptiveCardInvokeResponse(status_code=200, type=CARD_CONTENT_TYPE, value=result.card)
    # Never answer with an empty body: Teams shows "Unable to reach app" and retries the invoke.
    return message_invoke_body(result.message or "Done.")


def invoke_error_body(status: int, code: str, message: str) -> AdaptiveCardInvokeResponse:
    return AdaptiveCardInvokeResponse(status_code=status, type=ERROR_CONTENT_TYPE,
                                      value={"code": code, "message": message})
