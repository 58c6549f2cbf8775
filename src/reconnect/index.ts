export {
  Backoff,
  DEFAULT_BACKOFF,
  INITIAL_BACKOFF_STATE,
  backoffConnected,
  backoffNext,
  baseDelay,
  jitteredDelay,
  resolveBackoffOptions,
  type BackoffOptions,
  type BackoffState,
  type RandomSource,
} from './backoff.js';
