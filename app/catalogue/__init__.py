"""Finding a service: the home page, search, the service page."""
