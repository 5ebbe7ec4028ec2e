"""PartnerBot's Adaptive Cards (schema 1.5) and its one localized text catalog.

Builders take Partner Center wire dicts (camelCase, as in api.md) and a locale and return card dicts; button
payloads follow the card action contract (cards.actions). No botbuilder here: cards are data.
"""

from cards.approvals import ApprovalLine, ApprovalRequest, approval_card
from cards.conversation import (
    Change,
    FormField,
    Option,
    choice_card,
    confirmation_card,
    default_help_areas,
    error_card,
    explain_partner_center_error,
    form_card,
    help_card,
    partner_center_error_card,
    result_card,
    welcome_card,
)
from cards.elements import MAX_CARD_BYTES, CardTooLargeError, card_size
from cards.text import t

__all__ = [
    "MAX_CARD_BYTES", "ApprovalLine", "ApprovalRequest", "CardTooLargeError", "Change", "FormField", "Option",
    "approval_card", "card_size", "choice_card",
    "confirmation_card", "default_help_areas", "error_card",
    "explain_partner_center_error", "form_card", "help_card",
    "partner_center_error_card",
    "result_card",
    "t", "welcome_card",
]
