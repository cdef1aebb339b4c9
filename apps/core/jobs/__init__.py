"""Work done outside requests: the mail queue and the periodic-job schedule the worker runs."""
