"""Helpers shared by the example's Python functions."""


def slug(text: str) -> str:
    """Lower-case, dash-separated form of a title."""
    return "-".join(text.lower().split())
