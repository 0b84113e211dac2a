"""Blueprints: thin views that parse, call a service and render."""
