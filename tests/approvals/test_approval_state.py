"""Every transition of the approval state machine, as pure functions (no storage, no clock, no network)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialogs import approval_state as sm
from dialogs.approval_state import Actor, ApprovalRecord, Failure, Person, PostedCard, Refusal, Status

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
DANA = Actor("dana", "Dana", frozenset({"purchaser"}))
AVERY = Actor("avery", "Avery", frozenset({"approver"}))
BLAKE = Actor("blake", "Blake", frozenset({"approver"}))
VIC = Actor("vic", "Vic", frozenset({"viewer"}))
ALL_ROLES_DANA = Actor("dana", "Dana", frozenset({"viewer", "agent", "purchaser", "approver", "admin"}))


def record(**changes) -> ApprovalRecord:
    rec = ApprovalRecord(
        id="R-1", operation="orders.purchase", requester=Person("dana", "Dana", "29:dana"),
        customer={"id": "c1", "name": "Contoso"}, args={"customer": {"id": "c1"}},
        line={"catalogItemId": "P:0001:A", "title": "Business Premium", "quantity": 5, "termDuration": "P1Y",
              "billingCycle": "monthly"},
        price={"unit": 22.0, "total": 110.0, "currency": "USD"},
        created_at=T0.isoformat(), expires_at=(T0 + timedelta(hours=72)).isoformat())
    for name, value in changes.items():
        setattr(rec, name, value)
    return rec


def approved(**changes) -> ApprovalRecord:
    tr = sm.approve(record(**changes), AVERY, 1, T0)
    assert tr.changed
    return tr.record


def failed(definitive: bool) -> ApprovalRecord:
    rec = approved(cart_id="cart-1")
    return sm.fail(rec, 1, Failure("boom", definitive, T0.isoformat()), T0).record


def test_round_trip_through_json_dict():
    rec = failed(True)
    rec.cards.append(PostedCard("conv", "act-1", "approver"))
    rec.approvers.append(Person("avery", "Avery", "29:avery"))
    again = ApprovalRecord.from_dict(rec.to_dict())
    assert again.to_dict() == rec.to_dict()
    assert again.status == Status.FAILED and again.failure.definitive and again.history[0].action == "approved"


def test_approve_moves_pending_to_approved_and_bumps_version():
    rec = record()
    tr = sm.approve(rec, AVERY, 1, T0)
    assert tr.ok and tr.changed and tr.event == "approved"
    assert tr.record.status == Status.APPROVED and tr.record.version == 2
    assert tr.record.decided_by.id == "avery" and tr.record.history[-1].action == "approved"
    assert rec.status == Status.PENDING and rec.version == 1  # the input is never mutated


def test_requester_cannot_approve_even_with_every_role():
    tr = sm.approve(record(), ALL_ROLES_DANA, 1, T0)
    assert tr.refusal == Refusal.OWN_REQUEST and not tr.changed


def test_requester_cannot_reject_own_request():
    assert sm.reject(record(), ALL_ROLES_DANA, 1, "no", T0).refusal == Refusal.OWN_REQUEST


def test_non_approver_is_refused():
    assert sm.approve(record(), VIC, 1, T0).refusal == Refusal.NOT_APPROVER
    assert sm.reject(record(), VIC, 1, "x", T0).refusal == Refusal.NOT_APPROVER
    assert sm.retry(failed(True), VIC, 3, T0).refusal == Refusal.NOT_APPROVER


def test_same_approver_clicking_twice_is_idempotent():
    rec = approved()
    again = sm.approve(rec, AVERY, 1, T0 + timedelta(seconds=2))
    assert again.ok and not again.changed and again.event is None and again.record.version == rec.version


def test_second_approver_after_decision_is_refused_as_decided():
    rec = approved()
    assert sm.approve(rec, BLAKE, 1, T0).refusal == Refusal.DECIDED
    assert sm.reject(rec, BLAKE, 2, "late", T0).refusal == Refusal.DECIDED


def test_stale_version_is_refused():
    rec = record(version=3)
    assert sm.approve(rec, AVERY, 2, T0).refusal == Refusal.STALE
    assert sm.withdraw(rec, DANA, 1, T0).refusal == Refusal.STALE


def test_reject_needs_a_reason_and_records_it():
    assert sm.reject(record(), AVERY, 1, "   ", T0).refusal == Refusal.REASON_REQUIRED
    tr = sm.reject(record(), AVERY, 1, " over budget ", T0)
    assert tr.changed and tr.record.status == Status.REJECTED and tr.record.reason == "over budget"
    assert tr.record.completed_at and sm.reject(tr.record, AVERY, 1, "again", T0).changed is False


def test_withdraw_only_by_requester_while_pending():
    assert sm.withdraw(record(), AVERY, 1, T0).refusal == Refusal.NOT_REQUESTER
    tr = sm.withdraw(record(), DANA, 1, T0)
    assert tr.changed and tr.record.status == Status.WITHDRAWN
    assert sm.withdraw(tr.record, DANA, 1, T0).changed is False  # replay
    assert sm.approve(tr.record, AVERY, 2, T0).refusal == Refusal.DECIDED
    assert sm.withdraw(approved(), DANA, 2, T0).refusal == Refusal.DECIDED


def test_expired_request_cannot_be_approved_and_becomes_expired():
    late = T0 + timedelta(hours=72)
    tr = sm.approve(record(), AVERY, 1, late)
    assert tr.refusal == Refusal.EXPIRED and tr.changed and tr.record.status == Status.EXPIRED
    assert sm.approve(tr.record, AVERY, 2, late).refusal == Refusal.EXPIRED
    assert sm.withdraw(record(), DANA, 1, late).refusal == Refusal.EXPIRED
    assert sm.approve(record(), AVERY, 1, late - timedelta(seconds=1)).changed  # just in time


def test_expire_only_touches_pending_requests_past_their_time():
    assert not sm.expire(record(), T0).changed
    tr = sm.expire(record(), T0 + timedelta(hours=80))
    assert tr.changed and tr.event == "expired" and tr.record.status == Status.EXPIRED
    assert not sm.expire(approved(), T0 + timedelta(hours=80)).changed


def test_cart_is_remembered_only_for_the_running_attempt():
    rec = approved()
    tr = sm.cart_created(rec, 1, "cart-9")
    assert tr.changed and tr.record.cart_id == "cart-9" and tr.record.version == rec.version
    assert not sm.cart_created(tr.record, 1, "cart-9").changed
    assert sm.cart_created(rec, 2, "cart-x").refusal == Refusal.DECIDED
    assert sm.cart_created(record(), 1, "cart-x").refusal == Refusal.DECIDED


def test_complete_and_fail_from_approved():
    rec = approved()
    done = sm.complete(rec, 1, {"orders": [{"id": "o1"}]}, T0)
    assert done.record.status == Status.ORDERED and done.record.order_ids == ["o1"] and done.event == "ordered"
    bad = sm.fail(rec, 1, Failure("no", True, T0.isoformat()), T0)
    assert bad.record.status == Status.FAILED and bad.event == "failed" and bad.record.failure.message == "no"
    assert sm.fail(done.record, 1, Failure("late", False, ""), T0).refusal == Refusal.DECIDED
    assert sm.complete(rec, 2, {"orders": []}, T0).refusal == Refusal.DECIDED


def test_late_success_overrides_a_failure_of_the_same_attempt():
    rec = failed(False)
    tr = sm.complete(rec, 1, {"orders": [{"id": "o1"}]}, T0)
    assert tr.changed and tr.record.status == Status.ORDERED and tr.record.failure is None


def test_retry_after_unknown_outcome_keeps_attempt_and_cart():
    rec = failed(definitive=False)
    tr = sm.retry(rec, BLAKE, rec.version, T0)
    assert tr.changed and tr.event == "retried" and tr.record.status == Status.APPROVED
    assert tr.record.attempt == 1 and tr.record.cart_id == "cart-1" and tr.record.failure is None


def test_retry_after_definitive_failure_starts_a_new_attempt():
    rec = failed(definitive=True)
    tr = sm.retry(rec, AVERY, rec.version, T0)
    assert tr.record.attempt == 2 and tr.record.cart_id is None


def test_retry_rules():
    rec = failed(True)
    assert sm.retry(rec, ALL_ROLES_DANA, rec.version, T0).refusal == Refusal.OWN_REQUEST
    assert sm.retry(rec, AVERY, rec.version - 1, T0).refusal == Refusal.STALE
    assert sm.retry(record(), AVERY, 1, T0).refusal == Refusal.NOT_RETRYABLE
    resumed = sm.retry(approved(), AVERY, 1, T0)
    assert resumed.ok and not resumed.changed and resumed.event == "resume"


def test_add_cards_dedupes_and_keeps_version():
    rec = record()
    tr = sm.add_cards(rec, [PostedCard("c", "a1", "approver"), PostedCard("c", "a2", "requester")])
    assert tr.changed and len(tr.record.cards) == 2 and tr.record.version == 1
    assert not sm.add_cards(tr.record, [PostedCard("c", "a1", "approver")]).changed


@pytest.mark.parametrize("status", [Status.ORDERED, Status.REJECTED, Status.WITHDRAWN, Status.EXPIRED])
def test_final_states_accept_no_decision(status):
    rec = record(status=status)
    assert sm.approve(rec, AVERY, 1, T0).refusal in (Refusal.DECIDED, Refusal.EXPIRED)
    assert sm.withdraw(rec, DANA, 1, T0).refusal in (Refusal.DECIDED, Refusal.EXPIRED)
    assert sm.retry(rec, AVERY, 1, T0).refusal == Refusal.NOT_RETRYABLE
