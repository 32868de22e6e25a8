"""Every flow registers its screens on import: a new menu is one file here plus one import."""

from menus.flows import (  # noqa: F401
    account,
    cart,
    catalog,
    checkout,
    checkout_choices,
    home,
    orders,
    pay_code,
    search,
    towns,
)
