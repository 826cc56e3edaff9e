"""Greetings for the plugin walkthrough (tests/nvim/test_plugin_walkthrough.py)."""


def greet(name):
    return "Hello, " + name


def shout(name):
    return greet(name).upper() + "!"
