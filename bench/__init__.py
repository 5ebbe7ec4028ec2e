"""Benchmarks (`partnerbot bench turns|scale`): figures measured against a baseline in the same run, not tests."""
