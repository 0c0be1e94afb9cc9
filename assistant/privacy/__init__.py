"""Personal data: export and erasure on request, and retention (purge)."""
