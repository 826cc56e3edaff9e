"""Greetings: the project a Neovim user reviews a proposal in (see ../review.lua)."""


def greet(name):
    return "Hello, " + name


def farewell(name):
    return "Bye, " + name


MESSAGE = "🎉 ready"