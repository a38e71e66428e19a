"""Forms built from the platform's schemas, and Chinese identifier checks."""
