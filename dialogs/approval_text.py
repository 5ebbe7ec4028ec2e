"""Texts of the purchase and approval dialogs that the shared catalog (cards/locales) does not have yet.

Same rules as `cards.text.t`: en-US is the reference, zh-TW falls back to it per key, an unknown key or a
missing placeholder raises KeyError (a programming error the tests catch). Keys that the shared catalog
already has (msg.approval_*, approval.*, field.*) are used from there.
"""

from __future__ import annotations

from typing import Any

from cards.text import resolve_locale

TEXTS: dict[str, dict[str, str]] = {
    "en-US": {
        "notice.approved": "Approved. The order is being placed now…",
        "notice.ordering": "The order is being placed…",
        "notice.already_yours": "You already did that; nothing was changed.",
        "notice.decided": "This request was already {status} by {name}; nothing was changed.",
        "notice.decided_no_name": "This request is already {status}; nothing was changed.",
        "notice.expired": "This request expired on {date}. Nothing was bought; {requester} can ask again.",
        "notice.not_requester": "Only {name}, who made this request, can withdraw it.",
        "notice.not_retryable": "Only a failed order can be retried.",
        "notice.retrying": "Retrying the order now…",
        "notice.in_progress": "The order is already being placed; I'll post the result.",
        "notice.not_found": "I can't find approval request {request_id}. It may have been removed.",
        "notice.unknown_action": "I don't recognise that button. Refresh the card and try again.",
        "notice.stuck": "The order has not finished yet. If it seems stuck, retry: it re-uses the same request ids, "
                        "so it cannot buy twice.",
        "reject.prompt": "Why are you rejecting this request? The requester will see your reason.",
        "reject.placeholder": "Reason for rejecting",
        "reject.confirm": "Reject request",
        "reject.reason_required": "Please give a reason for rejecting.",
        "retry.button": "Retry the order",
        "line.unit_price": "{offer} at {price} each",
        "sent.no_approver": "No approver could be notified yet (the bot needs a chat with someone holding the "
                            "approver role). Approvers can find the request by asking \"what's waiting for my "
                            "approval?\".",
        "tell.expired": "Your request {request_id} expired without a decision. Nothing was bought.",
        "tell.rejected_reason": "{name} rejected request {request_id}: {reason}",
        "tell.ordered_subscriptions": "New subscriptions: {ids}",
        "tell.provisioning": "Partner Center is still provisioning the subscriptions.",
        "tell.failed_approver": "The order for request {request_id} failed: {reason} You can retry it from the card.",
        "pending.title": "Approval requests",
        "pending.for_me": "Waiting for your approval",
        "pending.mine": "Your pending requests",
        "pending.none": "Nothing is waiting for your approval, and you have no open requests.",
        "pending.more": "{count} more not shown.",
        "pending.line": "{request_id} · {customer} · requested by {requester}",
        "purchase.price_note": "Prices are Partner Center's estimate at the time of the request; the invoice is "
                               "final.",
        "purchase.trial_note": "The trial {trial} stays until it ends; this buys a new paid subscription of the same "
                               "product.",
        "purchase.addon_parent": "Add to",
        "purchase.sandbox_subscriptions": "This customer already has {count} subscriptions; the integration "
                                          "sandbox allows {max}, so the checkout may be refused.",
        "purchase.plan_option": "{term}, billed {cycle}",
        "purchase.plan_option_price": "{term}, billed {cycle} · {price} per licence",
        "purchase.quantity_range": "{offer} can be bought in quantities from {min} to {max}.",
        "purchase.quantity_sandbox": "The integration sandbox allows at most {max} licences per subscription.",
        "purchase.no_match": "No product in the catalog matches \"{name}\".",
        "purchase.no_addons": "There are no add-ons for {subscription} in the catalog.",
        "purchase.not_trial": "{subscription} is not a trial subscription.",
        "purchase.no_trials": "{customer} has no active trial subscription.",
        "purchase.no_paid_offer": "The catalog has no paid offer to convert {subscription} to.",
        "purchase.line_error": "Partner Center would not accept this purchase: {reason}",
        "purchase.order_errors": "Partner Center did not place the order: {reason}",
        "purchase.no_plan": "{offer} has no term and billing combination matching \"{name}\".",
    },
    "zh-TW": {
        "notice.approved": "已核准，正在下單…",
        "notice.ordering": "正在下單…",
        "notice.already_yours": "您已執行過此動作，沒有任何變更。",
        "notice.decided": "此申請已由 {name} {status}，沒有任何變更。",
        "notice.decided_no_name": "此申請已是「{status}」狀態，沒有任何變更。",
        "notice.expired": "此申請已於 {date} 過期。沒有購買任何項目；{requester} 可以重新申請。",
        "notice.not_requester": "只有提出申請的 {name} 可以撤回。",
        "notice.not_retryable": "只有失敗的訂單可以重試。",
        "notice.retrying": "正在重試下單…",
        "notice.in_progress": "正在下單中，完成後會通知結果。",
        "notice.not_found": "找不到核准申請 {request_id}，可能已被移除。",
        "notice.unknown_action": "無法辨識此按鈕。請重新整理卡片後再試。",
        "notice.stuck": "訂單尚未完成。如果似乎卡住了，請重試：重試會使用相同的請求識別碼，不會重複購買。",
        "reject.prompt": "為什麼要拒絕此申請？申請人會看到您的理由。",
        "reject.placeholder": "拒絕理由",
        "reject.confirm": "拒絕申請",
        "reject.reason_required": "請輸入拒絕理由。",
        "retry.button": "重試下單",
        "line.unit_price": "{offer}，單價 {price}",
        "sent.no_approver": "目前無法通知任何核准者（機器人需要與具有核准者角色的人有對話）。"
                            "核准者可以詢問「有什麼等待我核准？」來找到此申請。",
        "tell.expired": "您的申請 {request_id} 在未決定前已過期，沒有購買任何項目。",
        "tell.rejected_reason": "{name} 拒絕了申請 {request_id}：{reason}",
        "tell.ordered_subscriptions": "新訂閱：{ids}",
        "tell.provisioning": "Partner Center 仍在佈建訂閱。",
        "tell.failed_approver": "申請 {request_id} 的訂單失敗：{reason} 您可以從卡片重試。",
        "pending.title": "核准申請",
        "pending.for_me": "等待您核准",
        "pending.mine": "您待處理的申請",
        "pending.none": "沒有等待您核准的申請，您也沒有未完成的申請。",
        "pending.more": "另有 {count} 項未顯示。",
        "pending.line": "{request_id} · {customer} · 申請人 {requester}",
        "purchase.price_note": "價格為申請當時 Partner Center 的估計，以發票為準。",
        "purchase.trial_note": "試用版 {trial} 會保留至結束；此操作會購買同一產品的新付費訂閱。",
        "purchase.addon_parent": "加入至",
        "purchase.sandbox_subscriptions": "此客戶已有 {count} 個訂閱；整合沙箱最多允許 {max} 個，結帳可能會被拒絕。",
        "purchase.plan_option": "{term}，{cycle}計費",
        "purchase.plan_option_price": "{term}，{cycle}計費 · 每個授權 {price}",
        "purchase.quantity_range": "{offer} 的購買數量須介於 {min} 到 {max}。",
        "purchase.quantity_sandbox": "整合沙箱每個訂閱最多允許 {max} 個授權。",
        "purchase.no_match": "目錄中沒有符合「{name}」的產品。",
        "purchase.no_addons": "目錄中沒有 {subscription} 可用的附加元件。",
        "purchase.not_trial": "{subscription} 不是試用訂閱。",
        "purchase.no_trials": "{customer} 沒有有效的試用訂閱。",
        "purchase.no_paid_offer": "目錄中沒有可供 {subscription} 轉換的付費方案。",
        "purchase.line_error": "Partner Center 不接受此購買：{reason}",
        "purchase.order_errors": "Partner Center 沒有建立訂單：{reason}",
        "purchase.no_plan": "{offer} 沒有符合「{name}」的期限與計費組合。",
    },
}


def say(key: str, locale: str = "en-US", **kwargs: Any) -> str:
    """Localized approval/purchase text for `key` with `{placeholders}` filled from kwargs."""
    template = TEXTS.get(resolve_locale(locale), {}).get(key)
    if template is None:
        template = TEXTS["en-US"][key]
    return template.format_map(kwargs)
