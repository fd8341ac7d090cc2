"""Message templates and the channels that carry messages out (SMTP, SMS providers, webhooks).

Nothing here touches the database: ``app/services/notifications.py`` decides who gets what and
queues it, ``app/services/outbox.py`` sends what is queued through these channels.
"""
