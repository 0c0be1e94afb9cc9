"""The feedback classifier: corpus, features, training, evaluation, model registry and prediction."""
