from invoices import Invoice, LineItem, Money


def test_total_includes_vat():
    invoice = Invoice("2026-001")
    invoice.add(LineItem("Consulting", Money(10000), quantity=3))
    assert invoice.subtotal() == Money(30000)
    assert invoice.vat() == Money(6000)
    assert invoice.total() == Money(36000)
