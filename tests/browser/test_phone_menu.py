"""On a phone the main menu folds behind one button, so a page starts with its content; a tap
opens it, and every link is reachable. On a desk-sized screen the menu shows as it is."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_the_menu_folds_on_a_phone_and_opens_with_a_tap(live_tree, session):
    phone = session(**PHONE)
    phone.login("command")
    page = phone.page
    menu = page.locator("nav.mainnav")
    button = page.locator("#navbutton")
    assert button.is_visible() and not menu.is_visible()
    heading = page.locator("main").bounding_box()
    assert heading["y"] < 120, heading  # the content starts right under the top bar
    button.tap()
    assert menu.is_visible()
    links = menu.locator("a")
    assert links.count() >= 5
    for i in range(links.count()):
        assert links.nth(i).is_visible()
    button.tap()
    assert not menu.is_visible()


def test_the_menu_shows_as_it_is_on_a_desk(live_tree, session):
    desk = session(viewport={"width": 1280, "height": 800})
    desk.login("command")
    page = desk.page
    assert page.locator("nav.mainnav").is_visible()
    assert not page.locator("#navbutton").is_visible()
