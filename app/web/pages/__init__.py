"""Page areas: each module holds one blueprint ``bp`` and, for the menu, ``NAV``."""
