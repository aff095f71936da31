"""The background-job building block: one lifecycle (``models``), its moves (``services``), the task
base that sends work only once a transaction commits (``queue``), and the sweep of stale jobs
(``tasks``). The page side is ``templates/core/jobs/_progress.html`` with ``static/js/jobs.js``."""
