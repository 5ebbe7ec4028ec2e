"""PartnerBot package."""
