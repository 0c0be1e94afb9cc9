"""The audit log: who did what, when, with the values before and after."""
