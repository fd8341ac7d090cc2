"""Server-rendered pages (Jinja templates in app/templates)."""
