"""The report engine: figures computed in SQL from the recorded history (stage changes, the
task table, instance events, lead events), never from current state alone.

Every report takes the same filters (``common.Filters``), is scoped to what the user may see
(a rep: their own figures), and returns a ``common.Report``: named sections of rows plus the
definitions used, which the API returns as JSON or as CSV.
"""
