/** The watch and webhook bounds live in the light bounds table (`@mxv/fleet/bounds`); re-exported for the modules here. */
export {
  WATCH_EVERY_BOUND,
  WATCH_TICK_BOUNDS,
  WEBHOOK_BOUNDS,
  EXPIRY_THRESHOLD_DAYS,
  EXPIRY_GAUGE_DAYS,
  MAX_WEBHOOK_URL_CHARS,
} from '../bounds.js';
