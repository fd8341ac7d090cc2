"""Moving kanban cards in the browser as a hand does (shared by the browser tests)."""


def card(page, opportunity_id):
    return page.locator(f'[data-testid="deal-card"][data-opportunity-id="{opportunity_id}"]')


def column(page, stage):
    return page.locator(f'[data-testid="stage-column"][data-stage="{stage}"]')


def drag(page, opportunity_id, stage):
    """Drag a card onto a column's card list with the mouse, in small steps (Sortable.js
    follows the pointer), once the animations of the last move ended."""
    page.wait_for_timeout(300)
    source = card(page, opportunity_id).bounding_box()
    target = column(page, stage).locator(".cards").bounding_box()
    page.mouse.move(source["x"] + source["width"] / 2, source["y"] + 10)
    page.mouse.down()
    page.mouse.move(source["x"] + source["width"] / 2 + 10, source["y"] + 20, steps=5)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2,
                    steps=20)
    page.mouse.up()
