"""notifications.subscribe / list / unsubscribe: which Partner Center events and digests go to which conversation.

Routes are always for the conversation the request was made in ("here", "this channel"). Routing into a channel
or group chat needs `admin`; anyone may route events to their own personal chat — declared with `role=` and
`personal_role=`, enforced by the dispatcher per conversation.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from cards.view_spec import Field, Fmt, Table, View
from dialogs.context import OperationContext
from dialogs.notifications import DIGEST, TOPICS, WEEKDAYS, NotificationStore, Route
from dialogs.ops.purchases import ResolvableParam
from dialogs.registry import Args, Outcome, ParamType, Preview, Refused, Row, operation
from dialogs.resolve import Ambiguous, Resolved

# Words that name a topic in a request, checked in this order (a "GDAP" request mentioning subscriptions is GDAP).
_TOPIC_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (DIGEST, ("digest", "摘要", "renewal", "續約", "approval", "核准", "weekly", "every ")),
    ("gdap", ("gdap", "granular", "admin relationship", "delegated")),
    ("fraud", ("fraud", "詐騙", "詐欺")),
    ("test", ("test event", "test-created", "測試")),
    ("subscriptions", ("subscription", "訂閱", "seat", "licen")),
)
_WEEKDAY_WORDS = {**{d: d for d in WEEKDAYS}, **{d[:3]: d for d in WEEKDAYS},
                  "週一": "monday", "週二": "tuesday", "週三": "wednesday", "週四": "thursday", "週五": "friday",
                  "週六": "saturday", "週日": "sunday", "星期一": "monday", "星期五": "friday"}
_TIME = re.compile(r"\b([01]?\d|2[0-3])(?::([0-5]\d))?\s*(am|pm)?\b", re.IGNORECASE)


def _store(ctx: OperationContext) -> NotificationStore:
    store = ctx.extras.get("notifications")
    if store is None:
        raise Refused(ctx.t("notifications.msg.no_storage"))
    return store


def _topic_option(ctx: OperationContext, topic: str) -> dict[str, Any]:
    return {"id": topic, "name": ctx.t(f"enum.notification_topic.{topic}")}


def topic_in_text(text: str) -> str | None:
    lowered = text.lower()
    return next((topic for topic, words in _TOPIC_WORDS if any(w in lowered for w in words)), None)


def digest_schedule(text: str) -> tuple[str, str]:
    """(weekday, "HH:MM") named in the request; Monday 09:00 when it names none."""
    lowered = (text or "").lower()
    weekday = next((day for word, day in _WEEKDAY_WORDS.items() if re.search(rf"(?<![a-z]){word}", lowered)),
                   "monday")
    hour, minute = 9, 0
    for match in _TIME.finditer(lowered):
        if match.group(2) is None and match.group(3) is None:
            continue  # a bare number ("30 days") is not a time
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if match.group(3) == "pm" and hour < 12:
            hour += 12
        if match.group(3) == "am" and hour == 12:
            hour = 0
        break
    return weekday, f"{hour:02d}:{minute:02d}"


async def _resolve_new_topic(ctx: OperationContext, raw: Any, values: dict[str, Any], flow_raw: dict[str, Any]):
    """The topic named in the request ("post subscription changes here"); otherwise offer every topic."""
    said = str(raw or "").strip().lower()
    topic = said if said in TOPICS else topic_in_text(said) or topic_in_text(ctx.text or "")
    if topic:
        return Resolved(_topic_option(ctx, topic))
    return Ambiguous(said, [_topic_option(ctx, t) for t in TOPICS])


async def _resolve_routed_topic(ctx: OperationContext, raw: Any, values: dict[str, Any], flow_raw: dict[str, Any]):
    """One of the topics routed to this conversation (or all of them)."""
    routed = [r.topic for r in (await _store(ctx).get(_conversation(ctx))).routes]
    if not routed:  # the preview says there is nothing to stop
        return Resolved({"id": "all", "name": ctx.t("notifications.all")})
    said = str(raw or "").strip().lower()
    topic = said if said in (*TOPICS, "all") else topic_in_text(said) or topic_in_text(ctx.text or "")
    if topic == "all" or (topic is None and re.search(r"\ball\b|所有|全部", (ctx.text or "").lower())):
        return Resolved({"id": "all", "name": ctx.t("notifications.all")})
    if topic in routed:
        return Resolved(_topic_option(ctx, topic))
    if len(routed) == 1 and topic is None:
        return Resolved(_topic_option(ctx, routed[0]))
    return Ambiguous(said, [*(_topic_option(ctx, t) for t in routed),
                            {"id": "all", "name": ctx.t("notifications.all")}])


NEW_TOPIC = ResolvableParam("posts", ParamType.TEXT, slot="status", resolve=_resolve_new_topic)
ROUTED_TOPIC = ResolvableParam("posts", ParamType.TEXT, slot="status",
                               resolve=_resolve_routed_topic)


def _conversation(ctx: OperationContext) -> str:
    return str(ctx.extras.get("conversation_id") or "")


def _where(ctx: OperationContext) -> str:
    kind = str(ctx.extras.get("conversation_type") or "personal")
    return ctx.t(f"notifications.where.{kind if kind in ('personal', 'groupChat', 'channel') else 'personal'}")


def _describe(ctx: OperationContext, route: Route) -> str:
    label = ctx.t(f"enum.notification_topic.{route.topic}")
    if route.topic != DIGEST:
        return label
    return ctx.t("notifications.digest_at", topic=label, weekday=ctx.t(f"notifications.weekday.{route.weekday}"),
                 time=route.time)


def _new_route(ctx: OperationContext, args: Args) -> Route:
    topic = args["posts"]["id"]
    now = ctx.extras.get("now")
    stamp = now.isoformat() if isinstance(now, datetime) else ""
    if topic == DIGEST:
        weekday, time = digest_schedule(ctx.text or "")
        return Route(DIGEST, created_by=ctx.user.id, created_at=stamp, weekday=weekday, time=time)
    return Route(topic, created_by=ctx.user.id, created_at=stamp)


async def _subscribe_preview(ctx: OperationContext, args: Args) -> Preview:
    route = _new_route(ctx, args)
    current = (await _store(ctx).get(_conversation(ctx))).route(route.topic)
    if current is not None and (current.weekday, current.time) == (route.weekday, route.time):
        raise Refused(ctx.t("notifications.msg.already", what=_describe(ctx, route), where=_where(ctx)))
    before = _describe(ctx, current) if current else ctx.t("notifications.not_posted")
    return Preview(rows=(Row(ctx.t("notifications.row.posted_to", where=_where(ctx)), before,
                             _describe(ctx, route)),))


@operation("notifications.subscribe", kind="change", params=[NEW_TOPIC], role="admin", personal_role="viewer",
           preview=_subscribe_preview, summary="post Partner Center events or a digest to this conversation")
async def subscribe(ctx: OperationContext, args: Args) -> Outcome:
    route = _new_route(ctx, args)
    await _store(ctx).add(_conversation(ctx), str(ctx.extras.get("conversation_type") or "personal"), route)
    return Outcome(message=ctx.t("notifications.msg.subscribed", what=_describe(ctx, route), where=_where(ctx)),
                   audit={"conversation": _conversation(ctx)[:80], "topic": route.topic, "weekday": route.weekday,
                          "time": route.time})


ROUTES = View(table=Table(title="what", columns=(Field("since", "created_at", Fmt.DATE),)))


@operation("notifications.list", kind="read", view=ROUTES)
async def list_routes(ctx: OperationContext, args: Args) -> Outcome:
    routes = await _store(ctx).get(_conversation(ctx))
    items = [{"what": _describe(ctx, r), "topic": r.topic, "created_at": r.created_at[:10]} for r in routes.routes]
    return Outcome({"items": items, "where": _where(ctx)})


async def _unsubscribe_preview(ctx: OperationContext, args: Args) -> Preview:
    routes = await _store(ctx).get(_conversation(ctx))
    topic = args["posts"]["id"]
    gone = [r for r in routes.routes if topic in ("all", r.topic)]
    if not gone:
        raise Refused(ctx.t("notifications.msg.nothing_here", where=_where(ctx)))
    return Preview(rows=tuple(Row(ctx.t("notifications.row.posted_to", where=_where(ctx)), _describe(ctx, r),
                                  ctx.t("notifications.not_posted")) for r in gone))


@operation("notifications.unsubscribe", kind="change", params=[ROUTED_TOPIC], role="admin",
           personal_role="viewer", preview=_unsubscribe_preview,
           summary="stop posting events or a digest in this conversation")
async def unsubscribe(ctx: OperationContext, args: Args) -> Outcome:
    store = _store(ctx)
    topic = args["posts"]["id"]
    current = await store.get(_conversation(ctx))
    topics = tuple(r.topic for r in current.routes if topic in ("all", r.topic))
    await store.remove(_conversation(ctx), topics)
    return Outcome(message=ctx.t("notifications.msg.unsubscribed", where=_where(ctx)),
                   audit={"conversation": _conversation(ctx)[:80], "topics": list(topics)})
