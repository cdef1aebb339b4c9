"""What an operator needs: health checks, metrics, request ids and JSON logs, a cache that
degrades when Redis is away, and the system checks that refuse data-losing settings."""
