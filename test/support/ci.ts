/**
 * True under CI (the CI variable set, and not to "false" or "0"), where a test whose tool
 * is missing must fail, never skip silently.
 */
export const IN_CI = (process.env.CI ?? '') !== '' && process.env.CI !== 'false' && process.env.CI !== '0';
