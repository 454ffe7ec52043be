"""Email: the outbox, and the worker that sends it through SMTP (or prints it to the console)."""
