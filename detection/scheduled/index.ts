// Scheduled searches: Sigma rules run as store queries on a schedule, with checkpoints and catch-up.
export { configSchedule, parseDuration, parseScheduledConfig, ruleSchedule, type Schedule, type ScheduledSearchConfig } from './schedule.ts';
export {
  CHECKPOINT_COLLECTION,
  type Checkpoint,
  createScheduler,
  planSearches,
  type ScheduledSearch,
  type ScheduleProblem,
  type Scheduler,
  type SchedulerOptions,
  type TickResult,
  type WindowRun,
} from './scheduler.ts';
