"""Integration data: how third-party systems' payloads map onto ours (read by services)."""
