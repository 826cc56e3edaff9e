from greet import greet, shout


def test_greet_names_the_person():
    assert "Ada" in greet("Ada")


def test_shout_is_loud():
    assert shout("ada") == shout("ada").upper()
