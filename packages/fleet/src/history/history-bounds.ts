/** The history bound lives in the light bounds table (`@mxv/fleet/bounds`); re-exported for the modules here. */
export { DEFAULT_HISTORY_MAX, HISTORY_MAX_BOUND } from '../bounds.js';
