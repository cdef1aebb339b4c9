"""The presence sweep, run by the worker every few minutes."""

from django.tasks import task

from apps.core.jobs.periodic import every

from . import services


@every(seconds=5 * 60)
@task
def sweep_presence() -> str:
    """Clear is_online for members silent longer than PRESENCE_TTL."""
    return f"{services.sweep()} member(s) marked offline"
