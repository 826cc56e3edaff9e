"""One module per ``delegate`` subcommand; see ``delegate.cli``."""
