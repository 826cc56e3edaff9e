"""Invoices: line items, a discount and VAT."""

from __future__ import annotations

from dataclasses import dataclass, field

from invoices.money import Money


@dataclass(frozen=True)
class LineItem:
    description: str
    unit_price: Money
    quantity: int = 1

    def total(self) -> Money:
        return self.unit_price.times(self.quantity)


@dataclass
class Invoice:
    number: str
    items: list[LineItem] = field(default_factory=list)
    vat_rate: float = 20.0
    currency: str = "EUR"

    def add(self, item: LineItem) -> None:
        self.items.append(item)

    def subtotal(self) -> Money:
        total = Money(0, self.currency)
        for item in self.items:
            total = total + item.total()
        return total

    def vat(self) -> Money:
        return self.subtotal().percent(self.vat_rate)

    def total(self) -> Money:
        return self.subtotal() + self.vat()
