"""Editor-neutral bookkeeping of delegated tasks: records, persistence, the running queue.

Nothing here knows about LSP: the language server and the command line both start tasks
through :class:`~delegate.tasks.registry.TaskRegistry` and listen to its record changes.
"""

from delegate.tasks.records import TaskRecord, new_task_id
from delegate.tasks.registry import TaskRegistry, TaskRunner
from delegate.tasks.store import TaskStore

__all__ = ["TaskRecord", "TaskRegistry", "TaskRunner", "TaskStore", "new_task_id"]
