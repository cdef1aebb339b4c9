"""Request and response plumbing every app's views use: login and redirects, middleware,
the heartbeat, form focus, the error page, the site's own rate limits."""
