"""Baton's process-based Lambda runtime executor for LocalStack (test infrastructure)."""
