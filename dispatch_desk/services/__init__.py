"""Business rules. Each service function takes a SQLAlchemy session and the acting user."""
