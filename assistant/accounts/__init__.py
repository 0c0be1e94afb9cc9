"""Preparers' and admins' accounts: passwords, sessions, API tokens and roles."""
