"""The python-app example: a tiny Flask app."""
