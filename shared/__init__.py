"""Contracts and helpers shared by every newswire service.

Library code only: importing any module here has no side effects (no clients, no settings read).
Dependency direction: ``names``/``ids`` -> ``models``/``deadletter`` -> ``settings`` ->
``kafka``/``elasticsearch``/``index``.
"""
