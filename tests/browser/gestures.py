"""What a hand does on the pages, shared by the browser tests: moving kanban cards, typing
into a decision table's cell."""


def card(page, opportunity_id):
    return page.locator(f'[data-testid="deal-card"][data-opportunity-id="{opportunity_id}"]')


def column(page, stage):
    return page.locator(f'[data-testid="stage-column"][data-stage="{stage}"]')


def settled(locator) -> None:
    """Wait until the element stays where it is from one frame to the next (no animation
    is moving it)."""
    locator.evaluate("""(element) => new Promise((resolve) => {
        const at = () => JSON.stringify(element.getBoundingClientRect());
        let last = at();
        const look = () => requestAnimationFrame(() => {
            const now = at();
            if (now === last) { resolve(); } else { last = now; look(); }
        });
        requestAnimationFrame(look);
    })""")


def drag(page, opportunity_id, stage):
    """Drag a card onto a column's card list with the mouse, in small steps (Sortable.js
    follows the pointer), once the animations of the last move ended."""
    settled(card(page, opportunity_id))
    source = card(page, opportunity_id).bounding_box()
    target = column(page, stage).locator(".cards").bounding_box()
    page.mouse.move(source["x"] + source["width"] / 2, source["y"] + 10)
    page.mouse.down()
    page.mouse.move(source["x"] + source["width"] / 2 + 10, source["y"] + 20, steps=5)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2,
                    steps=20)
    page.mouse.up()


def type_in_cell(page, element_id: str, text: str) -> None:
    """Replace a dmn-js decision table cell's text (the cell's id is the DMN element id), then
    leave the cell so the editor takes the change."""
    page.locator(f'td[data-element-id="{element_id}"] [contenteditable]').click()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.locator("#tester h2").click()
