/**
 * The development pepper: used by `npm run dev`, the tests and the replay when KEY_PEPPER is unset, so
 * local live and replay runs hash keys identically. A deployed Worker refuses to run on it.
 */
export const DEV_PEPPER = 'distill-guard-development-pepper-not-secret';
