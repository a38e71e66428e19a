"""What operators and their tools read: health, readiness, metrics, request ids, logs."""
