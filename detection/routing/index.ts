// Logsource routing: which rules an event can meet, decided from what the event says about its source.
export { createRouter, type EventLogsource, type EventRoute, FACT_PATHS, logsourceMeets, type Router } from './router.ts';
