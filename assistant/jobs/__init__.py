"""Background jobs (imports, retraining) claimed safely by the app or by `assistant worker`."""
