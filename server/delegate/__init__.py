"""Delegate: a language server that hands coding tasks to a background agent."""

__version__ = "0.1.0"
