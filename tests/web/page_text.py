"""What a person reads on a page, for assertions (a module of its own: two conftest modules
cannot both be imported as ``conftest`` in one run)."""

from html.parser import HTMLParser


def text_of(response) -> str:
    return response.get_data(as_text=True)


def field_block(html: str, name: str) -> str:
    """The HTML of one form field (label, input, its messages)."""
    start = html.index(f'data-field="{name}"')
    end = html.find('data-field="', start + 1)
    return html[start:end if end != -1 else len(html)]


class _Reader(HTMLParser):
    """Collects the text a reader sees: no tags, attributes, scripts or styles."""

    def __init__(self):
        super().__init__()
        self.words: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style", "template")

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style", "template") and self.hidden > 0

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.words.append(" ".join(data.split()))


def visible_text(response) -> str:
    """The page's words as a reader sees them, one space between pieces of text."""
    reader = _Reader()
    reader.feed(text_of(response))
    return " ".join(reader.words)
