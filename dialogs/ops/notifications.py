"""Where Partner Center events and digests are posted (issue 17): subscribe, list, unsubscribe.

Subscriptions live in bot storage as one document (compare-and-set on its eTag, so two instances never lose a
write). A subscription routes one topic into the conversation it was made in. Only `admin` may route events into
a channel or group chat; anyone may subscribe their personal chat with the bot. The webhook receiver and the
digest scheduler that read these subscriptions are not built yet.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from cards.view_spec import Field, Fmt, Table, View
from dialogs.approval_store import VersionedDocs
from dialogs.context import OperationContext
from dialogs.jobs import utc_now
from dialogs.registry import Args, NeedInput, Outcome, Param, Preview, Refused, Row, operation

KEY = "notifications/subscriptions"
TOPICS = ("subscriptions", "gdap", "digest", "all")
_TOPIC_WORDS = (("digest", r"digest|renewal|approval|摘要|續約|核准"),
                ("gdap", r"gdap|delegated admin|委派"),
                ("subscriptions", r"subscription|訂閱"),
                ("all", r"event|everything|all|事件|通知"))
_ATTEMPTS = 5


def topic_of(*texts: Any) -> str | None:
    said = " ".join(str(t or "") for t in texts).lower()
    return next((topic for topic, words in _TOPIC_WORDS if re.search(words, said)), None)


def _docs(ctx: OperationContext) -> VersionedDocs:
    storage = ctx.extras.get("storage")
    if storage is None:
        raise Refused(ctx.t("notifications.msg.unavailable"))
    return VersionedDocs(storage)


async def _items(ctx: OperationContext) -> list[dict[str, Any]]:
    doc, _ = await _docs(ctx).read(KEY)
    return list((doc or {}).get("items") or [])


async def _update(ctx: OperationContext, change: Any) -> list[dict[str, Any]]:
    """Read-modify-write with compare-and-set; retried when another instance wrote in between."""
    docs = _docs(ctx)
    for _ in range(_ATTEMPTS):
        doc, etag = await docs.read(KEY)
        items = change(list((doc or {}).get("items") or []))
        try:
            if doc is None:
                await docs.create(KEY, {"items": items})
            else:
                await docs.replace(KEY, {"items": items}, etag)
            return items
        except Exception:  # noqa: BLE001 - storage-specific precondition failures: read again
            continue
    raise Refused(ctx.t("notifications.msg.busy"))


def _where(ctx: OperationContext) -> tuple[str, str]:
    return str(ctx.extras.get("conversation_id") or ""), str(ctx.extras.get("conversation_type") or "personal")


def _check_route(ctx: OperationContext) -> None:
    """Only admins route events into shared conversations (issue 17)."""
    _, kind = _where(ctx)
    if kind != "personal" and "admin" not in (ctx.extras.get("roles") or ()):
        raise Refused(ctx.t("notifications.msg.admin_only"))


def _topic(ctx: OperationContext, args: Args) -> str:
    topic = topic_of(args.get("status"), ctx.text)
    if topic is None:
        raise NeedInput(("status",), ctx.t("notifications.msg.which_topic"))
    return topic


def _here(ctx: OperationContext) -> str:
    _, kind = _where(ctx)
    return ctx.t("notifications.where.personal" if kind == "personal" else "notifications.where.channel")


async def _preview_subscribe(ctx: OperationContext, args: Args) -> Preview:
    _check_route(ctx)
    topic = _topic(ctx, args)
    conversation, _ = _where(ctx)
    if any(i["conversation_id"] == conversation and i["topic"] == topic for i in await _items(ctx)):
        raise Refused(ctx.t("notifications.msg.already", topic=ctx.t(f"enum.notification_topic.{topic}")))
    args["_topic"] = topic
    return Preview(title=ctx.t("notifications.msg.subscribe_title"),
                   rows=(Row(ctx.t("notifications.field.topic"), None, ctx.t(f"enum.notification_topic.{topic}")),
                         Row(ctx.t("notifications.field.where"), None, _here(ctx))))


@operation("notifications.subscribe", kind="change", role="viewer",
           params=[Param("status", required=False), Param("channel", required=False),
                   Param("period", required=False)],
           preview=_preview_subscribe)
async def subscribe(ctx: OperationContext, args: Args) -> Outcome:
    conversation, kind = _where(ctx)
    topic = args["_topic"]
    entry = {"id": uuid.uuid4().hex[:12], "topic": topic, "conversation_id": conversation,
             "conversation_type": kind, "period": str(args.get("period") or ""),
             "created_by": ctx.user.name, "created_at": (ctx.extras.get("now") or utc_now()).isoformat()}

    def add(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if any(i["conversation_id"] == conversation and i["topic"] == topic for i in items):
            return items  # a double click: stored once
        return [*items, entry]

    await _update(ctx, add)
    return Outcome(message=ctx.t("notifications.msg.subscribed", topic=ctx.t(f"enum.notification_topic.{topic}"),
                                 where=_here(ctx)),
                   audit={"after": {"topic": topic, "conversation_type": kind}})


SUBSCRIPTIONS = View(table=Table(
    title=Field("topic", fmt=Fmt.ENUM, enum="notification_topic"),
    columns=(Field("where", "conversation_type", Fmt.ENUM, enum="notification_where"),
             Field("period", "period"), Field("by", "created_by"), Field("since", "created_at", Fmt.DATE))))


@operation("notifications.list", kind="read", params=[Param("channel", required=False)], view=SUBSCRIPTIONS)
async def list_subscriptions(ctx: OperationContext, args: Args) -> Outcome:
    """Admins see every route; anyone else sees what goes to the conversation they ask in."""
    conversation, _ = _where(ctx)
    items = await _items(ctx)
    if "admin" not in (ctx.extras.get("roles") or ()):
        items = [i for i in items if i["conversation_id"] == conversation]
    return Outcome({"items": items})


async def _preview_unsubscribe(ctx: OperationContext, args: Args) -> Preview:
    _check_route(ctx)
    conversation, _ = _where(ctx)
    topic = topic_of(args.get("status"), ctx.text)
    mine = [i for i in await _items(ctx) if i["conversation_id"] == conversation
            and (topic in (None, "all") or i["topic"] == topic)]
    if not mine:
        raise Refused(ctx.t("notifications.msg.nothing_here"))
    args["_ids"] = [i["id"] for i in mine]
    return Preview(title=ctx.t("notifications.msg.unsubscribe_title"),
                   rows=tuple(Row(ctx.t("notifications.field.topic"), ctx.t(f"enum.notification_topic.{i['topic']}"),
                                  ctx.t("notifications.msg.stopped")) for i in mine))


@operation("notifications.unsubscribe", kind="change", role="viewer",
           params=[Param("status", required=False), Param("channel", required=False)],
           preview=_preview_unsubscribe)
async def unsubscribe(ctx: OperationContext, args: Args) -> Outcome:
    ids = set(args["_ids"])
    await _update(ctx, lambda items: [i for i in items if i["id"] not in ids])
    return Outcome(message=ctx.t("notifications.msg.unsubscribed", count=len(ids), where=_here(ctx)),
                   audit={"after": {"removed": len(ids)}})
