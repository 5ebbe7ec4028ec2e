"""audit.records: the bot's own audit entries beside Partner Center's activity records, for one period.

Both logs are read for the same window (the period as written, default the last 30 days, which is also
Partner Center's default) and shown newest first in one card. "Show more" re-runs the operation for the next
page with the window's end fixed (`until`), so entries written meanwhile do not shift the pages.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from cards.audit import audit_records_card
from cards.conversation import explain_partner_center_error
from dialogs.audit_log import AuditQuery, AuditReader
from dialogs.context import OperationContext
from dialogs.paging import ListPage
from dialogs.periods import parse_period
from dialogs.registry import Args, Outcome, Param, ParamType, operation
from partner_center import clock, errors

PAGE_SIZE = 8
DEFAULT_DAYS = 30
MAX_PC_RECORDS = 1000  # records read from Partner Center per request (two pages of 500)


def _until(raw: Any, now: datetime) -> datetime:
    """The fixed end of a paged listing; anything unreadable or in the future means now."""
    try:
        value = datetime.fromisoformat(str(raw).replace("Z", "+00:00")) if raw else now
    except ValueError:
        return now
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return min(value.astimezone(UTC), now)


def window_for(period: str | None, until: datetime) -> tuple[datetime, datetime, bool]:
    """(start, end exclusive, understood) for the period text; not understood or absent = the last 30 days."""
    window = parse_period(period, today=until.date()) if period else None
    if window is None:
        return until - timedelta(days=DEFAULT_DAYS), until, not period
    start = datetime.combine(window.start, time.min, UTC)
    end = min(datetime.combine(window.end, time.min, UTC), until)
    return start, max(end, start), True


def _record_time(record: dict[str, Any]) -> datetime | None:
    try:
        value = datetime.fromisoformat(str(record.get("operationDate")).replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _user_matches(record: dict[str, Any], user: str | None) -> bool:
    if not user:
        return True
    wanted = user.strip().lower()
    upn = str(record.get("userPrincipalName") or "").lower()
    return upn == wanted if "@" in wanted else wanted in upn


async def partner_center_records(ctx: OperationContext, start: datetime, end: datetime, customer: dict | None,
                                 user: str | None) -> tuple[list[dict[str, Any]], bool]:
    """Partner Center's records in [start, end) for the customer/user, newest first; (records, truncated)."""
    flt = {"Field": "CustomerId", "Value": customer["id"], "Operator": "equals"} if customer else None
    last_day = (end - timedelta(microseconds=1)).date()
    found: list[tuple[datetime, dict[str, Any]]] = []
    read = 0
    async for record in ctx.client.audit.list(start.date(), max(last_day, start.date()), flt):
        read += 1
        data = record.raw if hasattr(record, "raw") else dict(record)
        moment = _record_time(data)
        if moment is not None and start <= moment < end and _user_matches(data, user):
            found.append((moment, data))
        if read >= MAX_PC_RECORDS:
            return [d for _, d in sorted(found, key=lambda p: p[0], reverse=True)], True
    return [d for _, d in sorted(found, key=lambda p: p[0], reverse=True)], False


def audit_card(page: ListPage, *, locale: str, more: Any = None) -> dict[str, Any]:
    extra = page.extra
    return audit_records_card(
        extra["bot"], extra["pc"], window=extra["window"], customer_name=(extra.get("customer") or {}).get("name"),
        user=extra.get("user"), more=more, bot_more=extra["bot_more"], pc_more=extra["pc_more"],
        pc_error=extra.get("pc_error"), pc_truncated=extra.get("pc_truncated"), notes=extra.get("notes", ()),
        locale=locale)


@operation("audit.records", kind="read",
           params=[Param("customer", ParamType.CUSTOMER, required=False), Param("period", required=False),
                   Param("user", required=False), Param("until", required=False)],
           card=audit_card, page_size=PAGE_SIZE,
           summary="the bot's audit entries and Partner Center's activity records for a period")
async def audit_records(ctx: OperationContext, args: Args) -> Outcome:
    page = int(ctx.extras.get("page", 0))
    now = clock.now()
    until = _until(args.get("until"), now)
    start, end, understood = window_for(args.get("period"), until)
    customer = args.get("customer") if isinstance(args.get("customer"), dict) else None
    user = (args.get("user") or "").strip() or None
    notes = [] if understood else [ctx.t("audit.period_unknown", period=args["period"])]

    sink = ctx.extras.get("audit")
    bot_entries: list[dict[str, Any]] = []
    bot_more = False
    if isinstance(sink, AuditReader):
        found = await sink.query(AuditQuery(start=start, end=end, customer=customer["id"] if customer else None,
                                            user=user), limit=PAGE_SIZE, skip=page * PAGE_SIZE)
        bot_entries, bot_more = found.entries, found.has_more
    else:
        notes.append(ctx.t("audit.bot_unavailable"))

    pc_page: list[dict[str, Any]] = []
    pc_more, truncated, pc_error = False, False, None
    try:
        records, truncated = await partner_center_records(ctx, start, end, customer, user)
        pc_page = records[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
        pc_more = len(records) > (page + 1) * PAGE_SIZE
    except errors.PartnerCenterError as exc:
        # The bot's own entries are still worth showing when Partner Center refuses or is unreachable.
        pc_error = explain_partner_center_error(exc.status, exc.code, exc.description, ctx.locale)
        if exc.correlation_id:
            pc_error += f" ({exc.correlation_id})"

    last_day = (end - timedelta(microseconds=1)).date() if end > start else start.date()
    params: dict[str, Any] = {"until": until.isoformat().replace("+00:00", "Z")}
    for key, value in (("customer", customer["id"] if customer else None), ("period", args.get("period")),
                       ("user", user)):
        if value:
            params[key] = value
    extra = {"bot": bot_entries, "pc": pc_page, "bot_more": bot_more, "pc_more": pc_more, "pc_error": pc_error,
             "pc_truncated": MAX_PC_RECORDS if truncated else None, "customer": customer, "user": user,
             "window": (start.date().isoformat(), last_day.isoformat()), "notes": notes}
    return Outcome(ListPage([], page, bot_more or pc_more, params, extra))
