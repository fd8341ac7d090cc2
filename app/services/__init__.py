"""Use cases: one function each. The caller (request, job, command) owns the transaction."""
