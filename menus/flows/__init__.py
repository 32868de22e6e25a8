"""Every flow registers its screens on import: a new menu is one file here plus one import."""

from menus.flows import account, cart, catalog, checkout, home, orders, towns  # noqa: F401
