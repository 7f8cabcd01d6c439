"""Datasets: the synthetic humanoid generator and the bottom-up transforms."""
