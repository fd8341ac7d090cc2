"""What a person reads on a page, for assertions (a module of its own: two conftest modules
cannot both be imported as ``conftest`` in one run)."""


def text_of(response) -> str:
    return response.get_data(as_text=True)


def field_block(html: str, name: str) -> str:
    """The HTML of one form field (label, input, its messages)."""
    start = html.index(f'data-field="{name}"')
    end = html.find('data-field="', start + 1)
    return html[start:end if end != -1 else len(html)]
