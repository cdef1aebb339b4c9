"""The installable web app: its icons (drawn at build time), manifest, service worker and
offline page."""
