"""Composition root: settings, bootstrap(), the web server, workers and the CLI."""
