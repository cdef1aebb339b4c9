"""Work done outside requests: the mail queue, the periodic-job schedule the worker runs, and
the lease that runs again the tasks of a worker that died."""
