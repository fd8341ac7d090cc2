"""What a person reads on a page, for assertions (a module of its own: two conftest modules
cannot both be imported as ``conftest`` in one run)."""


def text_of(response) -> str:
    return response.get_data(as_text=True)
