"""The job engine: background work recorded as runs.

Vocabulary: a **job** is the work a source registers (`@engine.register("portal")`); a **run**
is the stored record of one execution of a job (`models.Run`, table `scrape_runs`): status,
timings, heartbeat, progress, counts, warnings. The public API keeps the seed's names
(`/api/scrape`, `job_id`): a job id is a run's id.

- `engine`: start, run in the foreground, progress, cancel, heartbeat, interrupted runs, with a
  `Reporter` (root module `reporting`, the seam the scrapers also speak) per run; chains (jobs
  queued together, run one after another).
- `runs`: a run's verdict (`Verdict`: status, counts, what failed in plain words), finding,
  cancelling and reaping runs — the rows, from any process (the engine re-exports its public
  names). `heartbeat`: the thread keeping a run's heartbeat fresh while it executes.
- `run_log`: each run's own log lines, and the run id in every line logged while it runs.
- `registry`: the runners sources register and the followers (`follow`); `shutdown`: stopping a
  process's jobs at their next checkpoint (SIGTERM, a recycled gunicorn worker).
- `queue`: JOBS_MODE=queue, worker processes claiming queued runs (SELECT … FOR UPDATE SKIP
  LOCKED) and executing them with the engine.
- `schedules`: cron schedules (croniter), one claim row per fire time so one process fires it,
  pause and resume stored in the database, the scheduler thread.
- `retention`: old runs and run logs pruned (RUN_RETENTION_DAYS, RUN_LOG_RETENTION_DAYS), never
  a run that records or their history name; `schedules.tidy` fires it daily, once.
- `alerts`: after a run's verdict, a webhook message (NOTIFY_WEBHOOK_URL) about a failure or
  records left for review, sent from its own thread with retries.

Knows nothing about portals or DailyMed (the sync schedule names the jobs it starts by their
registry names, "dailymed" and "portal", nothing more). May import: `database`, `models`,
`errors`, `reporting`, `config` (constants), `merge` (its `MergeCounts`), croniter,
cron-descriptor and requests.
Imported by `sync`, `api`, `cli` and `app`.
"""
