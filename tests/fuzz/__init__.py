"""Fuzz suite: generated and hostile frames against a live bridge that keeps copying."""
