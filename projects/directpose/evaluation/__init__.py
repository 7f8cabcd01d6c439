"""Evaluation: leaderboard results files and their validation."""
__all__ = []
