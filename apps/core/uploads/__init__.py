"""Uploaded images: the pipeline that checks and re-encodes them, the size limits applied
before a body is read, the form field, images waiting for a form sent again, and serving them."""
