"""Cards for jobs (work Partner Center finishes later): the outcome announcements and "what's running".

Builders take plain data (a job's fields as a mapping), never dialogs objects, so cards/ stays free of the
engine and the SDK. One generic outcome card serves any kind; a kind with a result worth a table passes rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cards.elements import adaptive_card, facts, heading, table, text
from cards.text import format_date, format_datetime, format_number, t


def _status(job: Mapping[str, Any], locale: str) -> str:
    return t(f"jobs.status.{job.get('status') or 'running'}", locale)


def job_outcome(job: Mapping[str, Any], locale: str, *, title: str | None = None,
                details: Sequence[tuple[str, str | None]] = (), headers: Sequence[str] = (),
                rows: Sequence[Sequence[str]] = ()) -> dict[str, Any]:
    """The proactive card for a finished job: its summary, outcome, message, optional facts and table."""
    status = str(job.get("status") or "")
    heading_text = title or str(job.get("summary") or "")
    outcome_key = {"succeeded": "jobs.outcome.succeeded", "failed": "jobs.outcome.failed",
                   "timed_out": "jobs.outcome.timed_out"}.get(status, "jobs.outcome.failed")
    color = "Good" if status == "succeeded" else "Attention"
    body: list[dict[str, Any] | None] = [
        heading(heading_text),
        text(t(outcome_key, locale), weight="Bolder", color=color),
    ]
    if job.get("message"):
        body.append(text(str(job["message"])))
    body.append(facts([*details, (t("jobs.field.requested_by", locale), str(job.get("user_name") or "") or None),
                       (t("jobs.field.started", locale), format_datetime(job.get("created_at"), locale)),
                       (t("jobs.field.id", locale), str(job.get("id") or ""))]))
    if headers and rows:
        body.append(table(list(headers), [list(r) for r in rows]))
    fallback = f"{heading_text}: {t(outcome_key, locale)}"
    return adaptive_card(body, locale=locale, fallback_text=fallback)


def jobs_list(jobs: Sequence[Mapping[str, Any]], locale: str) -> dict[str, Any]:
    """"What's running?": the user's jobs, running first, with status and when each started."""
    if not jobs:
        return adaptive_card([heading(t("jobs.list.title", locale)), text(t("jobs.list.empty", locale))],
                             locale=locale, fallback_text=t("jobs.list.empty", locale))
    rows = [[str(j.get("summary") or ""), _status(j, locale), format_datetime(j.get("created_at"), locale),
             str(j.get("id") or "")] for j in jobs]
    headers = [t("jobs.field.what", locale), t("jobs.field.status", locale), t("jobs.field.started", locale),
               t("jobs.field.id", locale)]
    body = [heading(t("jobs.list.title", locale)), table(headers, rows, widths=[3, 2, 2, 2])]
    return adaptive_card(body, locale=locale, fallback_text=t("jobs.list.title", locale))


def azure_usage(data: Mapping[str, Any], locale: str, headers: Sequence[str],
                rows: Sequence[Sequence[str]]) -> dict[str, Any]:
    """Azure utilization records of one subscription (the first rows; the total is said)."""
    title = t("jobs.utilization.title", locale, subscription=data.get("subscription", ""),
              customer=data.get("customer", ""))
    total = int(data.get("total") or 0)
    body: list[dict[str, Any] | None] = [
        heading(title),
        facts([(t("jobs.utilization.period", locale),
                t("common.range", locale, start=format_date(data.get("start"), locale),
                  end=format_date(data.get("last_day") or data.get("end"), locale))),
               (t("jobs.utilization.records", locale), format_number(total, locale))]),
    ]
    if rows:
        body.append(table(list(headers), [list(r) for r in rows], widths=[2, 3, 2, 2]))
        if total > len(rows):
            body.append(text(t("jobs.utilization.more", locale, shown=len(rows), total=total), subtle=True))
    else:
        body.append(text(t("jobs.utilization.none", locale)))
    return adaptive_card(body, locale=locale, fallback_text=title)
