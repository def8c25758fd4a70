"""Password rules beyond Django's: no repetitive or sequential passwords (NIST SP 800-63B
5.1.1.2 names "aaaaaa" and "1234abcd"); no composition rules (issue 18 row 11)."""

from __future__ import annotations

from itertools import pairwise

from django.core.exceptions import ValidationError


class RepetitiveOrSequentialValidator:
    """Refuses passwords made of a few characters repeated, or one run up or down the
    alphabet or the digits ("aaaaaaaaaaaa", "abababababab", "abcdefghijkl", "987654321098")."""

    def __init__(self, min_distinct: int = 5) -> None:
        self.min_distinct = min_distinct

    def validate(self, password: str, user=None) -> None:
        text = password.lower()
        steps = {(ord(b) - ord(a)) % 10 if a.isdigit() and b.isdigit() else ord(b) - ord(a)
                 for a, b in pairwise(text)}
        if len(set(text)) < self.min_distinct or (len(text) > 2 and len(steps) == 1
                                                  and steps <= {1, -1, 9}):
            raise ValidationError(
                "This password is a repeated or sequential pattern; choose a phrase of "
                "several words instead.", code="password_repetitive")

    def get_help_text(self) -> str:
        return "Your password cannot be a repeated or sequential pattern such as aaaa or 1234."
