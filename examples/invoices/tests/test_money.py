from invoices import Money, parse_amount


def test_add_same_currency():
    assert Money(150) + Money(250) == Money(400)


def test_percent_rounds_half_up():
    # 20 % of 0.33 is 0.066, which rounds to 0.07
    assert Money(33).percent(20) == Money(7)


def test_parse_amount_accepts_comma():
    assert parse_amount("12,5") == Money(1250)


def test_str():
    assert str(Money(-1205)) == "-12.05 EUR"
