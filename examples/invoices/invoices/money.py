"""Amounts of money held as integer cents, so sums never drift."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Money:
    cents: int
    currency: str = "EUR"

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.cents + other.cents, self.currency)

    def times(self, quantity: int) -> Money:
        return Money(self.cents * quantity, self.currency)

    def percent(self, rate: float) -> Money:
        """``rate`` percent of this amount, rounded half up to the cent."""
        return Money(int(self.cents * rate / 100), self.currency)

    def __str__(self) -> str:
        sign = "-" if self.cents < 0 else ""
        whole, cents = divmod(abs(self.cents), 100)
        return f"{sign}{whole}.{cents:02d} {self.currency}"


def parse_amount(text: str, currency: str = "EUR") -> Money:
    """Parse "12.50" or "12,50" into Money."""
    text = text.strip().replace(",", ".")
    whole, _, frac = text.partition(".")
    frac = (frac + "00")[:2]
    return Money(int(whole) * 100 + int(frac), currency)
