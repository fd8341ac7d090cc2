"""Units of work for tests that set up or read rows outside a request."""

from contextlib import contextmanager


def run(app, work):
    """Run ``work(session)`` in a unit of work of its own and return what it returns."""
    with app.app_context(), app.extensions["crm_db"].unit_of_work() as session:
        return work(session)


@contextmanager
def unit_of_work(app):
    """``with unit_of_work(app) as session:`` in the app context, committed at the end."""
    with app.app_context(), app.extensions["crm_db"].unit_of_work() as session:
        yield session
