"""The declared screen graph: targets exist, every screen is reachable, every Goto is declared."""

from __future__ import annotations

import ast
import inspect
from collections import deque

import menus.flows  # noqa: F401 - registers every screen
from menus.engine import DIRECT_DIAL_SCREEN, HOME_SCREEN
from menus.screens import REGISTRY, ListScreen, Screen
from tests.conftest import Dialer


def gotos_in_code(cls: type[Screen]) -> set[str]:
    """Screen names a class's own code passes to ``Goto`` (``<computed>`` when not a literal)."""
    tree = ast.parse(inspect.getsource(inspect.getmodule(cls)))  # type: ignore[arg-type]
    owner = next(node for node in ast.walk(tree)
                 if isinstance(node, ast.ClassDef) and node.name == cls.__name__)
    found = set()
    for node in ast.walk(owner):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Goto" and node.args:
            target = node.args[0]
            if isinstance(target, ast.Constant):
                found.add(target.value)
            elif isinstance(target, ast.Subscript | ast.Name | ast.Attribute):
                found.add("<computed>")
    return found


def test_every_declared_target_exists() -> None:
    for name, screen in REGISTRY.items():
        assert screen.goes_to <= REGISTRY.keys(), (name, screen.goes_to - REGISTRY.keys())


def test_every_screen_is_reachable_from_home_or_a_direct_dial() -> None:
    seen = {HOME_SCREEN, DIRECT_DIAL_SCREEN}
    queue = deque(seen)
    while queue:
        for target in REGISTRY[queue.popleft()].goes_to:
            if target not in seen:
                seen.add(target)
                queue.append(target)
    assert seen == REGISTRY.keys(), REGISTRY.keys() - seen


def test_every_goto_in_the_code_is_declared() -> None:
    for name, screen in REGISTRY.items():
        literal = gotos_in_code(type(screen)) - {"<computed>"}
        assert literal <= screen.goes_to, (name, literal - screen.goes_to)


def test_list_screens_declare_their_own_next_page() -> None:
    # Targets picked at run time (home's tuple, an order's options, 98 More) are checked hop by
    # hop in every journey by the ``gotos_are_declared`` fixture; pages are checked here.
    for name, screen in REGISTRY.items():
        if isinstance(screen, ListScreen):
            assert name in screen.goes_to, f"{name} pages with 98 but does not declare itself"


def test_journeys_watch_every_goto(gotos_are_declared: list[tuple[str, str]], dialer: Dialer,
                                   demo_catalog: None) -> None:
    dialer.walk("1", "1", "98", "1", "1", "3")
    assert ("home", "shop.categories") in gotos_are_declared
    assert ("shop.products", "shop.products") in gotos_are_declared
    assert gotos_are_declared[-1] == ("shop.added", "cart.view")
