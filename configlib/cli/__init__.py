"""The ``configlib`` command line.

- ``commands``: the parser, the core commands (validate, params, convert, schema, engines,
  reference) and ``main``, the console entry point;
- ``common``: exit codes, argument types, and how failures and findings are printed, shared
  by every subcommand (here and in aiconfigurator/, store/, calibration/);
- ``from_command``, ``export_engine``: launch commands and engine config files in and out;
- ``reference``: docs/reference.md rendered from the code and the parser it is given.

Feature packages add their subcommands with ``register(subparsers)`` (``FEATURE_MODULES``).
"""

from configlib.cli.commands import FEATURE_MODULES, build_parser, main

__all__ = ["FEATURE_MODULES", "build_parser", "main"]
