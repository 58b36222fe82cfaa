"""The certification register: who is certified until when, and what changed since the last cycle.

A SQLite file by default (``--db``, else ``$QUALCERT_DB``, else the user data directory), or
any SQLAlchemy URL (PostgreSQL for a register shared by several staff). Library only: it
returns data and raises :class:`RegisterError` (exit 3 in the CLI); it never prints.

    with Register.open("register.sqlite") as reg:
        reg.record(load_results_file("results.json"))
        reg.certificates(on=date(2026, 10, 1), status="expiring", within=90)

The names are loaded on first use (``lazy_loader``, from the stub ``__init__.pyi``): the
register needs SQLAlchemy, which costs about half a second to import, and most commands never
touch it.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
