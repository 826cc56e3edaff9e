"""A tiny invoicing library used by Delegate's demo."""

from invoices.money import Money, parse_amount
from invoices.invoice import Invoice, LineItem

__all__ = ["Invoice", "LineItem", "Money", "parse_amount"]
