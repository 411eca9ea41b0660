"""The job-offer checker: features, training data, the trained model, evaluation."""
