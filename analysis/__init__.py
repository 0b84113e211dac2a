"""Servir statistics (work in progress)."""
