"""Query helpers: keyset paging for lists that load more, and the few reads written in SQL."""
