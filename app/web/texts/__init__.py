"""The pages' words: each module holds ``TEXTS = {"en": {...}, "zh-CN": {...}}``.

Keys carry their area as a prefix (``inbox.title``) so that modules never collide.
"""
